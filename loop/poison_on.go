//go:build invariants

package loop

// poison overwrites input the parser has consumed, before it is handed back
// to gnet, so that a command that kept an argument slice instead of copying
// it reads garbage in tests instead of passing by luck.
func poison(b []byte) {
	for i := range b {
		b[i] = 0xAA
	}
}
