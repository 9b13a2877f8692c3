package loop

import (
	"bufio"
	"bytes"
	"io"
	"testing"
	"testing/iotest"
)

// TestCopyUntilMark: the payload before the mark is copied whole, however
// the reads split it, with the mark across chunk boundaries and with
// near-marks in the payload; nothing after the mark is consumed.
func TestCopyUntilMark(t *testing.T) {
	mark := []byte("e3b0c44298fc1c149afbf4c8996fb92427ae41e4") // 40 bytes, as a master makes it
	payloads := [][]byte{
		nil,
		[]byte("x"),
		bytes.Repeat([]byte("abc"), 1000),
		append(append([]byte("head"), mark[:39]...), "tail"...), // all but the mark's last byte
		append(bytes.Repeat([]byte{'z'}, 70), mark[:20]...),     // a near-mark right before the mark
	}
	readers := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"one byte": iotest.OneByteReader,
		"halves":   iotest.HalfReader,
	}
	for i, payload := range payloads {
		for name, wrap := range readers {
			for _, size := range []int{16, 50, 4096} {
				stream := append(append(append([]byte(nil), payload...), mark...), "NEXT"...)
				r := bufio.NewReaderSize(wrap(bytes.NewReader(stream)), size)
				var got bytes.Buffer
				if err := copyUntilMark(&got, r, mark); err != nil {
					t.Fatalf("payload %d, %s, buffer %d: %v", i, name, size, err)
				}
				if !bytes.Equal(got.Bytes(), payload) {
					t.Fatalf("payload %d, %s, buffer %d: copied %d bytes %q..., want %d", i, name, size, got.Len(), first(got.Bytes()), len(payload))
				}
				rest, _ := io.ReadAll(r)
				if string(rest) != "NEXT" {
					t.Fatalf("payload %d, %s, buffer %d: after the mark %q, want NEXT", i, name, size, rest)
				}
			}
		}
	}
	// A stream that ends before the mark is an error.
	r := bufio.NewReaderSize(bytes.NewReader([]byte("no mark here")), 16)
	if err := copyUntilMark(io.Discard, r, mark); err != io.EOF {
		t.Fatalf("a stream without the mark: %v, want EOF", err)
	}
}

func first(b []byte) []byte { return b[:min(len(b), 20)] }
