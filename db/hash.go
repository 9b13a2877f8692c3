package db

// Hash is a hash value. (Scaffolding: the hash type's owner replaces
// this file.)
type Hash struct{}

// encoding is OBJECT ENCODING's answer for the hash.
func (x *Hash) encoding() string { return "listpack" }

// clone returns a deep copy, for COPY.
func (x *Hash) clone() *Hash { return &Hash{} }
