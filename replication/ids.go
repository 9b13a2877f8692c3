package replication

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
)

// NoID is the empty replication id: forty zeroes.
const NoID = "0000000000000000000000000000000000000000"

// NewID returns forty random hex digits, a new replication history's name.
func NewID() string {
	var b [20]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// IDs are a server's replication ids: the history it continues (ID) and the
// one it continued before its last promotion (ID2), valid up to
// SecondOffset. It is safe for concurrent use.
type IDs struct {
	mu           sync.Mutex
	id, id2      string
	secondOffset int64
}

// NewIDs returns a fresh history.
func NewIDs() *IDs { return &IDs{id: NewID(), id2: NoID, secondOffset: -1} }

// Get returns the ids and second_repl_offset.
func (x *IDs) Get() (id, id2 string, secondOffset int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.id, x.id2, x.secondOffset
}

// Follow adopts a master's id after a full sync: the history is now the
// master's, and no previous one is valid.
func (x *IDs) Follow(id string) {
	x.mu.Lock()
	x.id, x.id2, x.secondOffset = id, NoID, -1
	x.mu.Unlock()
}

// Shift starts a new history at offset (a promotion, REPLICAOF NO ONE): the
// old id becomes id2, valid for offsets up to offset+1, so former siblings
// can continue from us.
func (x *IDs) Shift(offset int64) {
	x.mu.Lock()
	x.id2, x.secondOffset, x.id = x.id, offset+1, NewID()
	x.mu.Unlock()
}

// ContinueAs adopts a master's new id without a full sync (its +CONTINUE
// named an id other than ours: it was promoted); our old id becomes id2,
// valid up to offset, as Shift would make it.
func (x *IDs) ContinueAs(id string, offset int64) {
	x.mu.Lock()
	x.id2, x.secondOffset, x.id = x.id, offset+1, id
	x.mu.Unlock()
}

// CanContinue decides a PSYNC: whether a replica that followed history id
// up to offset-1 (asking for offset) can continue from our backlog, which
// holds [start, end). Offsets here count from 0, one less than PSYNC's:
// under the previous id, the replica must not have gone past the offset
// the history ended at, second_repl_offset - 1 (a sibling that had more of
// the old master's stream than we did cannot continue from us).
func (x *IDs) CanContinue(id string, offset, start, end int64) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	switch {
	case id == x.id:
	case id == x.id2 && x.id2 != NoID && offset < x.secondOffset:
	default:
		return false
	}
	return offset >= start && offset <= end
}
