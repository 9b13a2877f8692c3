package db

import "testing"

func TestWriteLogBatches(t *testing.T) {
	l := NewWriteLog()
	l.Enable()
	var b Batch
	b.add(0, [][]byte{[]byte("SET"), []byte("k"), []byte("v")})
	l.AppendBatch(&b)
	b.add(2, [][]byte{[]byte("DEL"), []byte("x")})
	b.add(0, [][]byte{[]byte("INCR"), []byte("n")})
	l.AppendBatch(&b)
	got, off := l.Drain(nil)
	want := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n" +
		"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n" +
		"*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n" +
		"*1\r\n$5\r\nMULTI\r\n" +
		"*2\r\n$3\r\nDEL\r\n$1\r\nx\r\n" +
		"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n" +
		"*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n" +
		"*1\r\n$4\r\nEXEC\r\n"
	if string(got) != want {
		t.Fatalf("log\n got %q\nwant %q", got, want)
	}
	if off != int64(len(want)) {
		t.Fatalf("offset %d, want %d", off, len(want))
	}
}

func TestWriteLogDisabledCostsNothing(t *testing.T) {
	l := NewWriteLog()
	var b Batch
	b.add(0, [][]byte{[]byte("SET"), []byte("k"), []byte("v")})
	l.AppendBatch(&b)
	if got, off := l.Drain(nil); len(got) != 0 || off != 0 {
		t.Fatalf("a disabled log recorded %q at %d", got, off)
	}
	if len(b.ends) != 0 {
		t.Fatal("the batch was not emptied")
	}
}
