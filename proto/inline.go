package proto

// splitArgs splits an inline request line into arguments with the rules of
// Redis's sdssplitargs: blanks separate words, "double quotes" understand
// \xHH, \n, \r, \t, \b, \a and \<any>, 'single quotes' understand only \',
// and a closing quote must be followed by a blank or the end of the line.
//
// A word without quotes is returned as a slice of line; a quoted word is
// unescaped into the Parser's scratch space. ok is false for unbalanced quotes.
func (p *Parser) splitArgs(line []byte) (args [][]byte, ok bool) {
	args = p.argv[:0]
	p.scratch = p.scratch[:0]
	i := 0
	for {
		for i < len(line) && isSpace(line[i]) {
			i++
		}
		if i == len(line) {
			p.argv = args
			return args, true
		}
		start := i
		for i < len(line) && !isWordEnd(line[i]) && line[i] != '"' && line[i] != '\'' {
			i++
		}
		if i == len(line) || isWordEnd(line[i]) {
			args = append(args, line[start:i:i])
			continue
		}
		// The word has quotes somewhere: build it in scratch.
		var word []byte
		word, i, ok = p.quotedWord(line, start)
		if !ok {
			p.argv = args[:0]
			return nil, false
		}
		args = append(args, word)
	}
}

// quotedWord unescapes the word that starts at line[start] and contains a
// quote. It returns the word (in scratch) and the index just past it.
func (p *Parser) quotedWord(line []byte, start int) (word []byte, next int, ok bool) {
	from := len(p.scratch)
	inDouble, inSingle := false, false
	i := start
	for {
		if i >= len(line) {
			if inDouble || inSingle {
				return nil, 0, false
			}
			break
		}
		c := line[i]
		switch {
		case inDouble:
			switch {
			case c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
				p.scratch = append(p.scratch, unhex(line[i+2])<<4|unhex(line[i+3]))
				i += 3
			case c == '\\' && i+1 < len(line):
				i++
				p.scratch = append(p.scratch, unescape(line[i]))
			case c == '"':
				if i+1 < len(line) && !isSpace(line[i+1]) {
					return nil, 0, false
				}
				i++
				return p.scratch[from:len(p.scratch):len(p.scratch)], i, true
			default:
				p.scratch = append(p.scratch, c)
			}
		case inSingle:
			switch {
			case c == '\\' && i+1 < len(line) && line[i+1] == '\'':
				i++
				p.scratch = append(p.scratch, '\'')
			case c == '\'':
				if i+1 < len(line) && !isSpace(line[i+1]) {
					return nil, 0, false
				}
				i++
				return p.scratch[from:len(p.scratch):len(p.scratch)], i, true
			default:
				p.scratch = append(p.scratch, c)
			}
		default:
			switch {
			case isWordEnd(c):
				return p.scratch[from:len(p.scratch):len(p.scratch)], i, true
			case c == '"':
				inDouble = true
			case c == '\'':
				inSingle = true
			default:
				p.scratch = append(p.scratch, c)
			}
		}
		i++
	}
	return p.scratch[from:len(p.scratch):len(p.scratch)], i, true
}

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// isWordEnd reports the bytes that end an unquoted word in sdssplitargs,
// which are fewer than isspace's: \v and \f belong to the word.
func isWordEnd(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	}
	return c
}
