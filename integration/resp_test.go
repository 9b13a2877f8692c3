package integration

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"testing"
	"time"
)

// rawConn is a RESP client that returns replies as the exact bytes the
// server sent, so tests can tell +OK from $2\r\nOK and compare servers byte
// for byte; go-redis would hide the difference.
type rawConn struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, conn: c, r: bufio.NewReader(c)}
}

// encodeCommand returns args as a RESP multibulk frame.
func encodeCommand(args ...string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.Bytes()
}

// Do sends one command and returns its raw reply.
func (c *rawConn) Do(args ...string) string {
	c.t.Helper()
	c.Send(encodeCommand(args...))
	return c.Read()
}

// DoInline sends line as an inline command and returns the raw reply.
func (c *rawConn) DoInline(line string) string {
	c.t.Helper()
	c.Send([]byte(line + "\r\n"))
	return c.Read()
}

// Exchange sends a frame and returns the raw reply, or the error that
// ended the exchange.
func (c *rawConn) Exchange(frame []byte) (string, error) {
	c.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.conn.Write(frame); err != nil {
		return "", err
	}
	reply, err := readReply(c.r)
	return string(reply), err
}

// Send writes raw bytes.
func (c *rawConn) Send(b []byte) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.conn.Write(b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// Read returns the next raw reply.
func (c *rawConn) Read() string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	reply, err := readReply(c.r)
	if err != nil {
		c.t.Fatalf("read reply: %v (so far %q)", err, reply)
	}
	return string(reply)
}

// ReadErr returns the next raw reply, or the error that ended the read (for
// tests that expect the server to close the connection).
func (c *rawConn) ReadErr() (string, error) {
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	reply, err := readReply(c.r)
	return string(reply), err
}

// readReply reads one complete RESP2 or RESP3 value and returns its bytes.
func readReply(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadBytes('\n')
	if err != nil {
		return line, err
	}
	if len(line) < 3 {
		return line, fmt.Errorf("short line %q", line)
	}
	body := string(line[1 : len(line)-2])
	switch line[0] {
	case '+', '-', ':', ',', '#', '_', '(':
		return line, nil
	case '$', '=', '!':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return line, err
		}
		data := make([]byte, n+2)
		if _, err := io.ReadFull(r, data); err != nil {
			return append(line, data...), err
		}
		return append(line, data...), nil
	case '*', '~', '>', '%', '|':
		n, err := strconv.Atoi(body)
		if err != nil {
			return line, err
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		out := line
		for i := 0; i < n; i++ {
			elem, err := readReply(r)
			out = append(out, elem...)
			if err != nil {
				return out, err
			}
		}
		if line[0] == '|' {
			// An attribute precedes the value it describes.
			elem, err := readReply(r)
			return append(out, elem...), err
		}
		return out, nil
	}
	return line, fmt.Errorf("unknown reply type %q", line)
}
