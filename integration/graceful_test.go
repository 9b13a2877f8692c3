package integration

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// checkGracefulStop starts redis-fast in a fresh directory with args, has
// four clients push numbered elements as fast as they can, then stops the
// server with SHUTDOWN and, in a second run, with SIGTERM. checkFiles
// looks at what the stop left on disk; a restart with args must then hold
// every element a client had acknowledged.
func checkGracefulStop(t *testing.T, args []string, checkFiles func(dir string)) {
	for _, how := range []string{"SHUTDOWN", "SIGTERM"} {
		t.Run(how, func(t *testing.T) {
			dir := t.TempDir()
			p := startServerIn(t, dir, args...)
			const clients = 4
			acked := make([]int, clients)
			var wg sync.WaitGroup
			for i := range clients {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					pushUntilGone(p.Addr(), "seq:"+strconv.Itoa(i), &acked[i])
				}(i)
			}
			eventually(t, "the clients have written", func() bool {
				return infoInt(t, p.Addr(), "stats", "total_commands_processed") > 20000
			})
			if how == "SHUTDOWN" {
				dialRaw(t, p.Addr()).Send(encodeCommand("SHUTDOWN"))
			}
			p.Stop() // SIGTERM, or waits for the exit SHUTDOWN began
			wg.Wait()
			checkFiles(dir)
			p = startServerIn(t, dir, args...)
			c := dialRaw(t, p.Addr())
			for i := range clients {
				key := "seq:" + strconv.Itoa(i)
				got, _ := strconv.Atoi(strings.Trim(c.Do("LLEN", key), ":\r\n"))
				if got < acked[i] {
					t.Errorf("%s holds %d elements; %d were acknowledged", key, got, acked[i])
				}
			}
		})
	}
}

// pushUntilGone RPUSHes 1, 2, 3 ... to key, sixteen to a write, recording
// in acked the last one answered, until the server goes away.
func pushUntilGone(addr, key string, acked *int) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	for n := 1; ; n += 16 {
		var batch []byte
		for k := n; k < n+16; k++ {
			batch = append(batch, encodeCommand("RPUSH", key, strconv.Itoa(k))...)
		}
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := conn.Write(batch); err != nil {
			return
		}
		for k := n; k < n+16; k++ {
			if _, err := readReply(r); err != nil {
				return // the server has gone
			}
			*acked = k
		}
	}
}
