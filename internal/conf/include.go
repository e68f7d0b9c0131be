package conf

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

const (
	// maxIncludeDepth bounds how deeply includes may nest.
	maxIncludeDepth = 32
	// maxFileSize bounds the size of one configuration file.
	maxFileSize = 16 << 20
)

// fileRef names a file being parsed: as shown in messages, and absolute
// for cycle detection.
type fileRef struct {
	name string
	abs  string
}

// newFileParser returns a parser for the file at path, included from the
// chain of files outer (nil for the top file).
func newFileParser(path, data string, outer []fileRef) *parser {
	files := append(outer[:len(outer):len(outer)], fileRef{name: path, abs: absPath(path)})
	return &parser{lx: newLexer(path, data), files: files}
}

func absPath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	return abs
}

// dir is the directory that relative include paths start from.
func (p *parser) dir() string {
	if len(p.files) == 0 {
		return ""
	}
	return filepath.Dir(p.files[len(p.files)-1].name)
}

// include parses the file named after an 'include' keyword into the
// current block, sharing its variables.
func (p *parser) include(sc *scope, depth int) error {
	tok, err := p.next(modeValue)
	if err != nil {
		return err
	}
	if tok.kind != tokWord && tok.kind != tokString {
		return p.errorf(tok.pos, "expected file name after 'include', found %s", tok.describe())
	}
	if p.literal {
		return p.errorf(tok.pos, "include is not allowed here")
	}
	path := tok.text
	if !filepath.IsAbs(path) {
		path = filepath.Join(p.dir(), path)
	}
	if err := p.checkInclude(tok.pos, path); err != nil {
		return err
	}
	data, err := readFile(path)
	if err != nil {
		return p.errorf(tok.pos, "cannot include: %v", err)
	}
	return newFileParser(path, data, p.files).document(sc, depth)
}

// checkInclude refuses an include that would form a cycle or nest too
// deeply.
func (p *parser) checkInclude(pos position, path string) error {
	abs := absPath(path)
	for i, f := range p.files {
		if f.abs == abs {
			names := []string{}
			for _, g := range p.files[i:] {
				names = append(names, g.name)
			}
			names = append(names, path)
			return p.errorf(pos, "include cycle: %s", strings.Join(names, " -> "))
		}
	}
	if len(p.files) >= maxIncludeDepth {
		return p.errorf(pos, "includes nested more than %d deep", maxIncludeDepth)
	}
	return nil
}

// readFile reads a regular file of at most maxFileSize bytes. Devices and
// pipes are refused, so that an include can never block or read forever.
func readFile(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxFileSize {
		return "", fmt.Errorf("%s is larger than %d bytes", path, maxFileSize)
	}
	return string(data), nil
}
