package fileop

// The symbolic mode parser below follows tonistiigi/dchapes-mode (the
// package BuildKit validates and applies --chmod with), itself a Go
// translation of BSD's libc setmode.c:
//
//   Copyright (c) 1989, 1993, 1994 The Regents of the University of
//   California. All rights reserved. This code is derived from software
//   contributed to Berkeley by Dave Borman at Cray Research, Inc.
//   Copyright © 2016-2018, Dave Chapeskie. All rights reserved.
//
//   Redistribution and use in source and binary forms, with or without
//   modification, are permitted provided that the following conditions are
//   met: 1. Redistributions of source code must retain the above copyright
//   notice, this list of conditions and the following disclaimer.
//   2. Redistributions in binary form must reproduce the above copyright
//   notice, this list of conditions and the following disclaimer in the
//   documentation and/or other materials provided with the distribution.
//   THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS
//   IS" AND ANY EXPRESS OR IMPLIED WARRANTIES ARE DISCLAIMED.
//
// It is reimplemented here because that module is not a direct dependency
// of hoist; BuildKit always parses with a zero umask, so this one has no
// umask parameter.

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
)

// chmodSpec is a parsed --chmod value.
type chmodSpec struct {
	octal bool
	bits  uint32 // octal value (0..07777) when octal
	set   modeSet
}

// apply returns m with its permission, setuid, setgid and sticky bits
// changed as fsutil's copyFileInfo changes a copied file's: an octal value
// replaces them, a symbolic one is applied to them; type bits are kept.
func (c *chmodSpec) apply(m fs.FileMode) fs.FileMode {
	if !c.octal {
		return c.set.apply(m)
	}
	return m&^(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) | octalToMode(c.bits)
}

// dirPerm is the mode fsutil's MkdirAll gives the directories a copy
// creates on the way to its destination: the octal --chmod value's
// permission bits (Copy passes *ci.Mode as perm), or 0755 when --chmod is
// absent or symbolic (fsutil copy.go: defaultDirectoryMode).
func dirPerm(c *chmodSpec) fs.FileMode {
	if c != nil && c.octal {
		return fs.ModeDir | fs.FileMode(c.bits&0o777)
	}
	return fs.ModeDir | 0o755
}

func octalToMode(v uint32) fs.FileMode {
	m := fs.FileMode(v & 0o777)
	if v&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if v&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if v&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// ParseChmod validates a --chmod value as BuildKit's dispatchCopy does and
// returns the change it makes to a copied file's or directory's mode. An
// octal value ("0755", "755", "4755") must be within 07777; anything else is
// parsed as a chmod(1) symbolic mode ("u+x,g-w", "a=rX", "go=u-w"). The
// errors carry BuildKit's text: "invalid chmod parameter: '64a'. it should
// be octal string and between 0 and 07777" for a value that looks numeric.
func ParseChmod(s string) (func(fs.FileMode) fs.FileMode, error) {
	c, err := parseChmod(s)
	if err != nil {
		return nil, err
	}
	return c.apply, nil
}

func parseChmod(s string) (*chmodSpec, error) {
	nonOctal := fmt.Errorf("invalid chmod parameter: '%v'. it should be octal string and between 0 and 07777", s)
	if p, err := strconv.ParseUint(s, 8, 32); err == nil {
		if p > 0o7777 {
			return nil, nonOctal
		}
		return &chmodSpec{octal: true, bits: uint32(p)}, nil
	}
	set, err := parseModeSet(s)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) {
			return nil, nonOctal
		}
		return nil, fmt.Errorf("invalid chmod parameter: '%v': %w (use octal such as 0755 or symbolic such as u+x,go-w)", s, err)
	}
	return &chmodSpec{set: set}, nil
}

// errModeSyntax is dchapes-mode's ErrSyntax.
var errModeSyntax = errors.New("invalid syntax")

// chmod(1) bits, as setmode.c names them.
const (
	isUID   = 0o4000
	isGID   = 0o2000
	isTXT   = 0o1000
	iRWXU   = 0o0700
	iRUser  = 0o0400
	iWUser  = 0o0200
	iXUser  = 0o0100
	iRWXG   = 0o0070
	iRGroup = 0o0040
	iWGroup = 0o0020
	iXGroup = 0o0010
	iRWXO   = 0o0007
	iROther = 0o0004
	iWOther = 0o0002
	iXOther = 0o0001

	standardBits = isUID | isGID | iRWXU | iRWXG | iRWXO
)

type modeBits uint16

const (
	cmd2Clear byte = 1 << iota
	cmd2Set
	cmd2GBits
	cmd2OBits
	cmd2UBits
)

type bitcmd struct {
	cmd  byte
	cmd2 byte
	bits modeBits
}

// modeSet is a parsed symbolic (or octal) mode: the commands setmode(3)
// compiles it to.
type modeSet struct {
	cmds []bitcmd
}

func modeToBits(m fs.FileMode) modeBits {
	b := modeBits(m.Perm())
	if m&fs.ModeSetuid != 0 {
		b |= isUID
	}
	if m&fs.ModeSetgid != 0 {
		b |= isGID
	}
	if m&fs.ModeSticky != 0 {
		b |= isTXT
	}
	return b
}

func bitsToMode(old fs.FileMode, b modeBits) fs.FileMode {
	return old&^(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) | octalToMode(uint32(b))
}

// parseModeSet is dchapes-mode's ParseWithUmask(s, 0).
func parseModeSet(s string) (modeSet, error) {
	var m modeSet
	if s == "" {
		return m, errModeSyntax
	}
	if d := s[0]; '0' <= d && d <= '9' {
		v, err := strconv.ParseInt(s, 8, 16)
		if err != nil {
			return m, err
		}
		if v&^(standardBits|isTXT) != 0 {
			return m, errModeSyntax
		}
		m.addcmd('=', standardBits|isTXT, modeBits(v), 0)
		return m, nil
	}
	const mask = ^modeBits(0) // umask 0
	equalOpDone := false
	for {
		var who modeBits
	whoLoop:
		for {
			if len(s) == 0 {
				return modeSet{}, errModeSyntax
			}
			switch s[0] {
			case 'a':
				who |= standardBits
			case 'u':
				who |= isUID | iRWXU
			case 'g':
				who |= isGID | iRWXG
			case 'o':
				who |= iRWXO
			default:
				break whoLoop
			}
			s = s[1:]
		}
	getop:
		op := s[0]
		s = s[1:]
		switch op {
		case '+', '-':
		case '=':
			equalOpDone = false
		default:
			return modeSet{}, errModeSyntax
		}
		who &^= isTXT
		var perm, permX modeBits
	permLoop:
		for ; ; s = s[1:] {
			var b byte
			if len(s) > 0 {
				b = s[0]
			}
			switch b {
			case 'r':
				perm |= iRUser | iRGroup | iROther
			case 's':
				if who == 0 || who&^iRWXO != 0 {
					perm |= isUID | isGID
				}
			case 't':
				if who == 0 || who&^iRWXO != 0 {
					who |= isTXT
					perm |= isTXT
				}
			case 'w':
				perm |= iWUser | iWGroup | iWOther
			case 'X':
				if op != '-' {
					permX = iXUser | iXGroup | iXOther
				} else {
					perm |= iXUser | iXGroup | iXOther
				}
			case 'x':
				perm |= iXUser | iXGroup | iXOther
			case 'u', 'g', 'o':
				if perm != 0 {
					m.addcmd(op, who, perm, mask)
					perm = 0
				}
				if op == '=' {
					equalOpDone = true
				}
				if permX != 0 {
					m.addcmd('X', who, permX, mask)
					permX = 0
				}
				m.addcmd(b, who, modeBits(op), mask)
			default:
				if perm != 0 || op == '=' && !equalOpDone {
					if op == '=' {
						equalOpDone = true
					}
					m.addcmd(op, who, perm, mask)
				}
				if permX != 0 {
					m.addcmd('X', who, permX, mask)
				}
				break permLoop
			}
		}
		if s == "" {
			break
		}
		if s[0] != ',' {
			goto getop
		}
		s = s[1:]
	}
	m.compress()
	return m, nil
}

func (s *modeSet) addcmd(op byte, who, oparg, mask modeBits) {
	c := bitcmd{}
	switch op {
	case '=':
		c.cmd = '-'
		if who != 0 {
			c.bits = who
		} else {
			c.bits = standardBits
		}
		s.cmds = append(s.cmds, c)
		op = '+'
		fallthrough
	case '+', '-', 'X':
		c.cmd = op
		if who != 0 {
			c.bits = who & oparg
		} else {
			c.bits = mask & oparg
		}
	case 'u', 'g', 'o':
		c.cmd = op
		if who != 0 {
			if who&iRUser != 0 {
				c.cmd2 |= cmd2UBits
			}
			if who&iRGroup != 0 {
				c.cmd2 |= cmd2GBits
			}
			if who&iROther != 0 {
				c.cmd2 |= cmd2OBits
			}
			c.bits = ^modeBits(0)
		} else {
			c.cmd2 = cmd2UBits | cmd2GBits | cmd2OBits
			c.bits = mask
		}
		switch oparg {
		case '+':
			c.cmd2 |= cmd2Set
		case '-':
			c.cmd2 |= cmd2Clear
		case '=':
			c.cmd2 |= cmd2Set | cmd2Clear
		}
	}
	s.cmds = append(s.cmds, c)
}

// compress merges runs of '+', '-' and 'X' commands as setmode.c does.
func (s *modeSet) compress() {
	j := 0
	for i := 0; i < len(s.cmds); i++ {
		c := s.cmds[i]
		if c.cmd != '+' && c.cmd != '-' && c.cmd != 'X' {
			s.cmds[j] = c
			j++
			continue
		}
		var setbits, clrbits, xbits modeBits
	scan:
		for ; i < len(s.cmds); i++ {
			c = s.cmds[i]
			switch c.cmd {
			case '-':
				clrbits |= c.bits
				setbits &^= c.bits
				xbits &^= c.bits
			case '+':
				setbits |= c.bits
				clrbits &^= c.bits
				xbits &^= c.bits
			case 'X':
				xbits |= c.bits &^ setbits
			default:
				i--
				break scan
			}
		}
		if clrbits != 0 {
			s.cmds[j] = bitcmd{cmd: '-', bits: clrbits}
			j++
		}
		if setbits != 0 {
			s.cmds[j] = bitcmd{cmd: '+', bits: setbits}
			j++
		}
		if xbits != 0 {
			s.cmds[j] = bitcmd{cmd: 'X', bits: xbits}
			j++
		}
	}
	s.cmds = s.cmds[:j]
}

// apply is dchapes-mode's Set.Apply.
func (s modeSet) apply(perm fs.FileMode) fs.FileMode {
	omode := modeToBits(perm)
	newmode := omode
	common := func(c bitcmd, value modeBits) {
		if c.cmd2&cmd2Clear != 0 {
			clrval := value
			if c.cmd2&cmd2Set != 0 {
				clrval = iRWXO
			}
			if c.cmd2&cmd2UBits != 0 {
				newmode &^= clrval << 6 & c.bits
			}
			if c.cmd2&cmd2GBits != 0 {
				newmode &^= clrval << 3 & c.bits
			}
			if c.cmd2&cmd2OBits != 0 {
				newmode &^= clrval & c.bits
			}
		}
		if c.cmd2&cmd2Set != 0 {
			if c.cmd2&cmd2UBits != 0 {
				newmode |= value << 6 & c.bits
			}
			if c.cmd2&cmd2GBits != 0 {
				newmode |= value << 3 & c.bits
			}
			if c.cmd2&cmd2OBits != 0 {
				newmode |= value & c.bits
			}
		}
	}
	for _, c := range s.cmds {
		switch c.cmd {
		case 'u':
			common(c, newmode&iRWXU>>6)
		case 'g':
			common(c, newmode&iRWXG>>3)
		case 'o':
			common(c, newmode&iRWXO)
		case '+':
			newmode |= c.bits
		case '-':
			newmode &^= c.bits
		case 'X':
			if omode&(iXUser|iXGroup|iXOther) != 0 || perm.IsDir() {
				newmode |= c.bits
			}
		}
	}
	return bitsToMode(perm, newmode)
}
