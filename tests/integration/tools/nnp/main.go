// Command nnp prints the effective uid it runs with, as Kubernetes'
// e2e-test-images/nonewprivs does. The CRI suite (tests/engines/cri.sh)
// installs it set-uid root in its nonewprivs image: started as uid 1000, it
// prints "Effective uid: 0" unless no_new_privs kept the set-uid bit from
// taking effect ("Effective uid: 1000").
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Printf("Effective uid: %d\n", os.Geteuid())
}
