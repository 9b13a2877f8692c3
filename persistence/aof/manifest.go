package aof

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"redis-fast/proto"
)

// File types in the manifest.
const (
	typeBase    = 'b'
	typeIncr    = 'i'
	typeHistory = 'h'
)

// fileInfo is one line of the manifest.
type fileInfo struct {
	name string
	seq  int64
	kind byte
}

// Manifest lists the files of an AOF: the base (if any), the history files
// a rewrite left to delete, and the incremental files, oldest first.
type Manifest struct {
	base    *fileInfo
	history []fileInfo
	incrs   []fileInfo
}

// ErrManifest is returned for a manifest that cannot be read.
var ErrManifest = errors.New("aof: invalid AOF manifest file format")

// parseManifest reads a manifest's text.
func parseManifest(data []byte) (*Manifest, error) {
	m := &Manifest{}
	var p proto.Parser
	for n, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 || line[0] == '#' {
			continue
		}
		if len(line) > 1024 {
			return nil, fmt.Errorf("%w: line %d is too long", ErrManifest, n+1)
		}
		p.Reset()
		args, _, _, err := p.Parse(append(append([]byte(nil), line...), '\n'))
		if err != nil || len(args)%2 != 0 {
			return nil, fmt.Errorf("%w: line %d", ErrManifest, n+1)
		}
		var fi fileInfo
		for i := 0; i < len(args); i += 2 {
			val := string(args[i+1])
			switch string(args[i]) {
			case "file":
				fi.name = val
			case "seq":
				seq, err := strconv.ParseInt(val, 10, 64)
				if err != nil || seq <= 0 {
					return nil, fmt.Errorf("%w: line %d: bad seq", ErrManifest, n+1)
				}
				fi.seq = seq
			case "type":
				if len(val) != 1 {
					return nil, fmt.Errorf("%w: line %d: bad type", ErrManifest, n+1)
				}
				fi.kind = val[0]
			}
		}
		if fi.name == "" || fi.seq == 0 || strings.ContainsAny(fi.name, "/\\") {
			return nil, fmt.Errorf("%w: line %d", ErrManifest, n+1)
		}
		switch fi.kind {
		case typeBase:
			if m.base != nil {
				return nil, fmt.Errorf("%w: more than one base file", ErrManifest)
			}
			m.base = &fi
		case typeIncr:
			if len(m.incrs) > 0 && fi.seq <= m.incrs[len(m.incrs)-1].seq {
				return nil, fmt.Errorf("%w: incremental files out of order", ErrManifest)
			}
			m.incrs = append(m.incrs, fi)
		case typeHistory:
			m.history = append(m.history, fi)
		default:
			return nil, fmt.Errorf("%w: line %d: unknown type", ErrManifest, n+1)
		}
	}
	if m.base == nil && len(m.incrs) == 0 {
		return nil, fmt.Errorf("%w: no base and no incremental file", ErrManifest)
	}
	return m, nil
}

// bytes renders the manifest as Redis writes it.
func (m *Manifest) bytes() []byte {
	var b bytes.Buffer
	line := func(fi fileInfo) {
		fmt.Fprintf(&b, "file %s seq %d type %c\n", quoteName(fi.name), fi.seq, fi.kind)
	}
	if m.base != nil {
		line(*m.base)
	}
	for _, fi := range m.history {
		line(fi)
	}
	for _, fi := range m.incrs {
		line(fi)
	}
	return b.Bytes()
}

// quoteName quotes a file name that has blanks or quotes, so the manifest
// reads back.
func quoteName(name string) string {
	if strings.ContainsAny(name, " \t\"'\\") {
		return strconv.Quote(name)
	}
	return name
}

// Names of the files of an AOF whose appendfilename is prefix.
func baseName(prefix string, seq int64, rdb bool) string {
	ext := "aof"
	if rdb {
		ext = "rdb"
	}
	return fmt.Sprintf("%s.%d.base.%s", prefix, seq, ext)
}

func incrName(prefix string, seq int64) string {
	return fmt.Sprintf("%s.%d.incr.aof", prefix, seq)
}

func manifestName(prefix string) string { return prefix + ".manifest" }

// nextSeqs returns the sequence numbers of the next base and incremental
// files.
func (m *Manifest) nextSeqs() (base, incr int64) {
	base, incr = 1, 1
	if m.base != nil {
		base = m.base.seq + 1
	}
	if n := len(m.incrs); n > 0 {
		incr = m.incrs[n-1].seq + 1
	}
	return base, incr
}
