package db

import "testing"

func TestSetOptions(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k v")
	x.mustBulk("GET k", "v")
	x.mustNil("SET k v2 NX")
	x.mustOK("SET k v2 XX")
	x.mustNil("SET other v XX")
	x.mustBulk("SET k v3 GET", "v2")
	x.mustErr("SET k v EX 0", "ERR invalid expire time in 'set' command")
	x.mustErr("SET k v EX x", msgNotInteger)
	x.mustErr("SET k v NX XX", msgSyntax)
	x.mustErr("SET k v EX 10 PX 10", msgSyntax)
	x.mustErr("SET k v KEEPTTL EX 10", msgSyntax)
}

func TestSetExpiresAndPropagatesPXAT(t *testing.T) {
	x := newTester(t)
	x.logged()
	x.mustOK("SET k v EX 10")
	x.mustLog("SELECT 0", "SET k v PXAT 1700000010000")
	x.advance(9999)
	x.mustBulk("GET k", "v")
	x.advance(1)
	x.mustNil("GET k")
	// The read did not delete it; the next write does, and logs a DEL.
	x.mustOK("SET k w")
	x.mustLog("DEL k", "SET k w")
}

func TestSetKeepTTL(t *testing.T) {
	x := newTester(t)
	x.mustOK("SET k v PX 100")
	x.mustOK("SET k v2 KEEPTTL")
	x.advance(100)
	x.mustNil("GET k")
	x.mustOK("SET k v PX 100")
	x.mustOK("SET k v2")
	x.advance(100)
	x.mustBulk("GET k", "v2")
}

func TestSetGetPropagatesWithoutGet(t *testing.T) {
	x := newTester(t)
	x.logged()
	x.mustNil("SET k v GET")
	x.mustLog("SELECT 0", "SET k v")
}

func TestActiveExpireReclaims(t *testing.T) {
	x := newTester(t)
	for i := 0; i < 100; i++ {
		x.mustOK("SET k" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + " v PX 10")
	}
	x.mustOK("SET keep v")
	x.advance(10)
	x.ks.ActiveExpire(x.now, &x.stats)
	if n := x.ctx.DB.Size(); n != 1 {
		t.Fatalf("after the cycle %d keys remain, want 1", n)
	}
	if n := x.stats.ExpiredKeys.Load(); n != 100 {
		t.Fatalf("expired_keys = %d, want 100", n)
	}
}
