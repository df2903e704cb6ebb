package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// plainHandler prints "rt: msg key=value" lines for people at a terminal.
type plainHandler struct {
	w     io.Writer
	level slog.Level
	attrs []slog.Attr
}

func (h *plainHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *plainHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString("rt: ")
	if r.Level != slog.LevelError {
		b.WriteString(strings.ToLower(r.Level.String()) + ": ")
	}
	b.WriteString(r.Message)
	add := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	b.WriteByte('\n')
	_, err := io.WriteString(h.w, b.String())
	return err
}

func (h *plainHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	n.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &n
}

func (h *plainHandler) WithGroup(string) slog.Handler { return h }

// splitHandler sends errors to above and everything below error to below.
type splitHandler struct{ below, above slog.Handler }

func (h *splitHandler) pick(l slog.Level) slog.Handler {
	if l >= slog.LevelError {
		return h.above
	}
	return h.below
}

func (h *splitHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.pick(l).Enabled(ctx, l)
}

func (h *splitHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.pick(r.Level).Handle(ctx, r)
}

func (h *splitHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &splitHandler{below: h.below.WithAttrs(as), above: h.above.WithAttrs(as)}
}

func (h *splitHandler) WithGroup(g string) slog.Handler {
	return &splitHandler{below: h.below.WithGroup(g), above: h.above.WithGroup(g)}
}
