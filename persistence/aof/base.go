package aof

import (
	"bufio"
	"io"
	"strconv"

	"redis-fast/db"
)

// itemsPerCommand is how many elements one command of a rewritten base
// carries, as Redis's AOF_REWRITE_ITEMS_PER_CMD.
const itemsPerCommand = 64

// WriteRESPBase writes the snapshot as RESP commands, the way Redis
// rewrites an AOF with aof-use-rdb-preamble no: SELECT per database, then
// per key SET, RPUSH, SADD, ZADD or HMSET (at most 64 elements each), and
// PEXPIREAT for a key with an expiry.
func WriteRESPBase(out io.Writer, snap *db.Snapshot) error {
	bw := bufio.NewWriterSize(out, 1<<16)
	var buf []byte
	var num [24]byte
	return firstErr(snap.Each(func(d *db.DB, key string, o *db.Object, exp int64) error {
		k := []byte(key)
		switch o.Type() {
		case db.TypeString:
			buf = appendFrame(buf, []byte("SET"), k, o.Str())
		case db.TypeList:
			buf = appendChunked(buf, "RPUSH", k, o.Len(), func(add func(...[]byte)) {
				o.EachList(func(e []byte) bool { add(e); return true })
			})
		case db.TypeSet:
			buf = appendChunked(buf, "SADD", k, o.Len(), func(add func(...[]byte)) {
				o.EachSet(func(m []byte) bool { add(m); return true })
			})
		case db.TypeZSet:
			buf = appendChunked(buf, "ZADD", k, o.Len(), func(add func(...[]byte)) {
				o.EachZSet(func(m []byte, s float64) bool {
					add(strconv.AppendFloat(nil, s, 'g', 17, 64), m)
					return true
				})
			})
		case db.TypeHash:
			buf = appendChunked(buf, "HMSET", k, o.Len(), func(add func(...[]byte)) {
				o.EachHash(func(f, v []byte) bool { add(f, v); return true })
			})
		}
		if exp != 0 {
			buf = appendFrame(buf, []byte("PEXPIREAT"), k, strconv.AppendInt(num[:0], exp, 10))
		}
		return nil
	}, func() error {
		_, err := bw.Write(buf)
		buf = buf[:0]
		return err
	}, func(d *db.DB, keys, expires int) error {
		buf = appendFrame(buf, []byte("SELECT"), strconv.AppendInt(num[:0], int64(d.ID), 10))
		return nil
	}), bw.Flush())
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// appendChunked appends one command per itemsPerCommand elements: name key
// followed by each element's parts, as each calls add.
func appendChunked(buf []byte, name string, key []byte, n int, each func(add func(...[]byte))) []byte {
	var args [][]byte
	items := 0
	emit := func() {
		buf = appendFrame(buf, append([][]byte{[]byte(name), key}, args...)...)
		args, items = args[:0], 0
	}
	each(func(parts ...[]byte) {
		for _, p := range parts {
			args = append(args, append([]byte(nil), p...))
		}
		if items++; items == itemsPerCommand {
			emit()
		}
	})
	if items > 0 {
		emit()
	}
	return buf
}

// appendFrame appends argv as a RESP multibulk frame.
func appendFrame(b []byte, argv ...[]byte) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(argv)), 10)
	b = append(b, '\r', '\n')
	for _, a := range argv {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, '\r', '\n')
		b = append(b, a...)
		b = append(b, '\r', '\n')
	}
	return b
}
