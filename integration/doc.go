// Package integration holds black-box tests: they build the real redis-fast
// binary once, start it on free loopback ports, and talk to it over TCP,
// with go-redis and with a raw RESP client. The differential tests start a
// real redis-server as the oracle and compare raw reply bytes.
//
// Run them with make integration (REQUIRE_REDIS=1 turns a missing
// redis-server from a skip into a failure; RACE=1 builds the server with the
// race detector).
package integration
