package conf

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeFiles creates files (name -> content) under a new temporary
// directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestInclude(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"main.conf": `
port: 4222
include ./auth/users.conf
accounts {
  include "accounts.conf"
}
pw_again: $PW
`,
		"auth/users.conf": `
PW = s3cr3t
authorization { users = [{user: a, password: $PW}] }
include 'more.conf'   # relative to auth/
`,
		"auth/more.conf": "extra: $port\n",
		"accounts.conf":  "{ \"A\": { users: [] } }\n",
	})
	got, err := ParseFile(filepath.Join(dir, "main.conf"))
	if err != nil {
		t.Fatal(err)
	}
	want := m{
		"port":          int64(4222),
		"PW":            "s3cr3t",
		"authorization": m{"users": a{m{"user": "a", "password": "s3cr3t"}}},
		"extra":         int64(4222),
		"accounts":      m{"A": m{"users": a{}}},
		"pw_again":      "s3cr3t",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
}

func TestIncludeFromParseUsesCurrentDir(t *testing.T) {
	dir := writeFiles(t, map[string]string{"inc.conf": "a: 1"})
	t.Chdir(dir)
	got, err := Parse("include inc.conf\nb: 2")
	if err != nil {
		t.Fatal(err)
	}
	if want := (m{"a": int64(1), "b": int64(2)}); !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestIncludeAsKey(t *testing.T) {
	got, err := Parse("include: 1\n\"include\" 2\nx { include = 3 }")
	if err != nil {
		t.Fatal(err)
	}
	if want := (m{"include": int64(2), "x": m{"include": int64(3)}}); !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

func TestIncludeErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string // with DIR standing for the temporary directory
	}{
		{
			name: "cycle",
			files: map[string]string{
				"main.conf": "include a.conf",
				"a.conf":    "x: 1\ninclude b.conf",
				"b.conf":    "\n  include ./a.conf",
			},
			want: "DIR/b.conf:2:11: include cycle: DIR/a.conf -> DIR/b.conf -> DIR/a.conf",
		},
		{
			name:  "self include",
			files: map[string]string{"main.conf": "a: 1\ninclude main.conf"},
			want:  "DIR/main.conf:2:9: include cycle: DIR/main.conf -> DIR/main.conf",
		},
		{
			name: "error inside included file",
			files: map[string]string{
				"main.conf": "include a.conf",
				"a.conf":    "ok: 1\nbad: [1 2]",
			},
			want: "DIR/a.conf:2:9: expected ',' or ']' after array element, found '2'",
		},
		{
			name:  "missing include",
			files: map[string]string{"main.conf": "\ninclude nope.conf"},
			want:  "DIR/main.conf:2:9: cannot include: stat DIR/nope.conf: no such file or directory",
		},
		{
			name: "unbalanced brace in included file",
			files: map[string]string{
				"main.conf": "x { include a.conf }",
				"a.conf":    "a: 1 }",
			},
			want: "DIR/a.conf:1:6: unbalanced '}'",
		},
		{
			name: "junk after include",
			files: map[string]string{
				"main.conf": "include a.conf b",
				"a.conf":    "",
			},
			want: "DIR/main.conf:1:16: expected end of line, ',' or ';' after the value of 'include', found 'b'",
		},
		{
			name: "variable of sibling file is undefined in included block",
			files: map[string]string{
				"main.conf": "x { include a.conf }\ny: $v",
				"a.conf":    "v: 1",
			},
			want: "DIR/main.conf:2:4: undefined variable 'v'",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, tt.files)
			_, err := ParseFile(filepath.Join(dir, "main.conf"))
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("error %T %v, want *Error", err, err)
			}
			if want := strings.ReplaceAll(tt.want, "DIR", dir); err.Error() != want {
				t.Errorf("got error  %s\nwant error %s", err, want)
			}
		})
	}
}

func TestIncludeTooDeep(t *testing.T) {
	files := map[string]string{}
	for i := range maxIncludeDepth + 1 {
		files[filepath.Join(strings.Repeat("d/", i), "f.conf")] = "include d/f.conf"
	}
	dir := writeFiles(t, files)
	_, err := ParseFile(filepath.Join(dir, "f.conf"))
	if err == nil || !strings.HasSuffix(err.Error(), "includes nested more than 32 deep") {
		t.Errorf("got %v, want includes nested too deep", err)
	}
}

func TestParseFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ParseFile(filepath.Join(dir, "missing.conf")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v, want not exist", err)
	}
	if _, err := ParseFile(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: got %v, want not a regular file", err)
	}
	path := filepath.Join(dir, "bad.conf")
	if err := os.WriteFile(path, []byte("a: 1\nb: \"x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ParseFile(path)
	var cerr *Error
	if !errors.As(err, &cerr) || cerr.File != path || cerr.Line != 2 || cerr.Col != 4 {
		t.Errorf("got %#v, want *Error at %s:2:4", err, path)
	}
}
