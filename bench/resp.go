package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// conn is a minimal RESP2 client for what the bench does itself: PING,
// loading data, INFO. It is not safe for concurrent use.
type conn struct {
	c       net.Conn
	r       *bufio.Reader
	out     []byte
	timeout time.Duration // for each flush and the replies that follow it
}

// reply is one RESP2 reply. kind is its type byte: + - : $ *.
type reply struct {
	kind  byte
	str   string // simple string, error text or bulk string
	n     int64  // integer, or -1 for a null
	elems []reply
}

func (r reply) isError() bool { return r.kind == '-' }

// replyError is an error reply, as a Go error.
type replyError string

func (e replyError) Error() string { return string(e) }

func dial(port int) (*conn, error) {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, r: bufio.NewReaderSize(c, 64<<10), timeout: 30 * time.Second}, nil
}

// ping reports whether the server on port answers PING within timeout.
func ping(port int, timeout time.Duration) bool {
	c, err := dial(port)
	if err != nil {
		return false
	}
	defer c.close()
	c.timeout = timeout
	r, err := c.do("PING")
	return err == nil && r.str == "PONG"
}

func (c *conn) close() { c.c.Close() }

// send queues a command; flush writes the queue.
func (c *conn) send(args ...string) {
	c.out = append(c.out, '*')
	c.out = strconv.AppendInt(c.out, int64(len(args)), 10)
	c.out = append(c.out, '\r', '\n')
	for _, a := range args {
		c.out = append(c.out, '$')
		c.out = strconv.AppendInt(c.out, int64(len(a)), 10)
		c.out = append(c.out, '\r', '\n')
		c.out = append(c.out, a...)
		c.out = append(c.out, '\r', '\n')
	}
}

func (c *conn) flush() error {
	c.c.SetDeadline(time.Now().Add(c.timeout))
	_, err := c.c.Write(c.out)
	c.out = c.out[:0]
	return err
}

// do sends one command and reads its reply; an error reply is returned as
// a replyError.
func (c *conn) do(args ...string) (reply, error) {
	c.send(args...)
	if err := c.flush(); err != nil {
		return reply{}, err
	}
	r, err := c.read()
	if err == nil && r.isError() {
		err = replyError(r.str)
	}
	return r, err
}

// read reads one reply.
func (c *conn) read() (reply, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return reply{}, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return reply{}, fmt.Errorf("bench: bad reply line %q", line)
	}
	r := reply{kind: line[0], str: line[1 : len(line)-2]}
	switch r.kind {
	case '+', '-':
		return r, nil
	case ':', '$', '*':
		if r.n, err = strconv.ParseInt(r.str, 10, 64); err != nil {
			return reply{}, fmt.Errorf("bench: bad reply line %q", line)
		}
		r.str = ""
	default:
		return reply{}, fmt.Errorf("bench: unknown reply type %q", line)
	}
	switch {
	case r.kind == '$' && r.n >= 0:
		b := make([]byte, r.n+2)
		if _, err := io.ReadFull(c.r, b); err != nil {
			return reply{}, err
		}
		r.str = string(b[:r.n])
	case r.kind == '*' && r.n > 0:
		for i := int64(0); i < r.n; i++ {
			e, err := c.read()
			if err != nil {
				return reply{}, err
			}
			r.elems = append(r.elems, e)
		}
	}
	return r, nil
}

// pipeline sends the queued commands, reads count replies, and returns the
// first error reply among them.
func (c *conn) pipeline(count int) error {
	if err := c.flush(); err != nil {
		return err
	}
	var first error
	for i := 0; i < count; i++ {
		r, err := c.read()
		if err != nil {
			return err
		}
		if r.isError() && first == nil {
			first = replyError(r.str)
		}
	}
	return first
}

// isReplyError reports whether err is the server's answer rather than a
// failure to talk to it.
func isReplyError(err error) bool {
	var re replyError
	return errors.As(err, &re)
}
