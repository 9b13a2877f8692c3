//go:build !invariants

package loop

// poison is a no-op outside test builds; see poison_on.go.
func poison([]byte) {}
