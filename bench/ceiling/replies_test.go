package main

import (
	"strings"
	"testing"
)

func TestAnswer(t *testing.T) {
	r := newReplies(3)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "ping", args: []string{"PING"}, want: "+PONG\r\n"},
		{name: "set", args: []string{"SET", "k", "v"}, want: "+OK\r\n"},
		{name: "get", args: []string{"get", "k"}, want: "$3\r\nxxx\r\n"},
		{name: "incr", args: []string{"INCR", "k"}, want: ":1\r\n"},
		{name: "zpopmin", args: []string{"ZPOPMIN", "z"}, want: "*2\r\n$3\r\nxxx\r\n$1\r\n1\r\n"},
		{name: "lrange", args: []string{"LRANGE", "l", "0", "1"}, want: "*2\r\n$3\r\nxxx\r\n$3\r\nxxx\r\n"},
		{name: "lrange empty", args: []string{"LRANGE", "l", "5", "1"}, want: "*0\r\n"},
		{name: "config get", args: []string{"CONFIG", "GET", "save"}, want: "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"},
		{name: "unknown", args: []string{"SOMETHINGVERYLONGINDEED"}, want: "+OK\r\n"},
	}
	for _, tc := range tests {
		args := make([][]byte, len(tc.args))
		for i, a := range tc.args {
			args[i] = []byte(a)
		}
		if got := string(r.answer(nil, args)); got != tc.want {
			t.Errorf("name=%s args=%q: got %q, want %q", tc.name, tc.args, got, tc.want)
		}
	}
}

func TestRangeLen(t *testing.T) {
	tests := []struct {
		name        string
		start, stop string
		want        int
	}{
		{name: "first 100", start: "0", stop: "99", want: 100},
		{name: "first 600", start: "0", stop: "599", want: 600},
		{name: "whole", start: "0", stop: "-1", want: listLen},
		{name: "past the end", start: "0", stop: "5000", want: listLen},
		{name: "negative start", start: "-10", stop: "-1", want: 10},
		{name: "start past stop", start: "3", stop: "2", want: 0},
		{name: "not a number", start: "a", stop: "2", want: 0},
	}
	for _, tc := range tests {
		args := [][]byte{[]byte("lrange"), []byte("l"), []byte(tc.start), []byte(tc.stop)}
		if got := rangeLen(args); got != tc.want {
			t.Errorf("name=%s start=%s stop=%s: got %d, want %d", tc.name, tc.start, tc.stop, got, tc.want)
		}
	}
	if s := strings.Repeat("x", 3); len(newReplies(3).elems) != listLen*len("$3\r\n"+s+"\r\n") {
		t.Errorf("elems holds %d bytes", len(newReplies(3).elems))
	}
}
