package caps

// Sets are a Set's masks, for a caller that applies them with raw system
// calls (the container's init in libct/child).
type Sets struct {
	Last                                                 int
	Bounding, Effective, Permitted, Inheritable, Ambient uint64
}

// Masks returns s's masks.
func (s *Set) Masks() Sets {
	return Sets{Last: s.last, Bounding: s.bounding, Effective: s.effective,
		Permitted: s.permitted, Inheritable: s.inheritable, Ambient: s.ambient}
}
