package db

// ZSet is a zset value. (Scaffolding: the zset type's owner replaces
// this file.)
type ZSet struct{}

// encoding is OBJECT ENCODING's answer for the zset.
func (x *ZSet) encoding() string { return "listpack" }

// clone returns a deep copy, for COPY.
func (x *ZSet) clone() *ZSet { return &ZSet{} }
