package integration

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// parseValue decodes one raw RESP2/RESP3 reply into Go values: string for
// simple and bulk strings, error for errors, int64 for integers, []any for
// arrays, sets and pushes, map[string]any for maps (keys formatted with
// %v), nil for nulls.
func parseValue(raw string) (any, error) {
	return readValue(bufio.NewReader(strings.NewReader(raw)))
}

func readValue(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 {
		return nil, fmt.Errorf("short line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+', ',', '(':
		return body, nil
	case '-', '!':
		return fmt.Errorf("%s", body), nil
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '#':
		return body == "t", nil
	case '_':
		return nil, nil
	case '$', '=':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		buf := make([]byte, n+2)
		if _, err := r.Read(buf[:0]); err != nil {
			return nil, err
		}
		for read := 0; read < len(buf); {
			m, err := r.Read(buf[read:])
			if err != nil {
				return nil, err
			}
			read += m
		}
		return string(buf[:n]), nil
	case '*', '~', '>':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = readValue(r); err != nil {
				return nil, err
			}
		}
		return out, nil
	case '%':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, n)
		for i := 0; i < n; i++ {
			k, err := readValue(r)
			if err != nil {
				return nil, err
			}
			v, err := readValue(r)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown reply type %q", line)
}
