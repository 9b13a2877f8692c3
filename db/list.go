package db

// List is a list value. (Scaffolding: the list type's owner replaces
// this file.)
type List struct{}

// encoding is OBJECT ENCODING's answer for the list.
func (x *List) encoding() string { return "quicklist" }

// clone returns a deep copy, for COPY.
func (x *List) clone() *List { return &List{} }
