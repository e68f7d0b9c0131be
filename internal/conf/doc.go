// Package conf reads configuration files in the format of nats-server, so
// that petrel accepts them unchanged.
//
// # Example
//
//	# comments start with '#' or '//' and run to the end of the line
//	server_name: petrel-1
//	listen: 0.0.0.0:4222          // a bare string: no quotes needed
//	max_payload = 1MB             // a size: int64 1048576
//	debug true                    // key and value separated by a blank
//
//	PASS = "s3cr3t"               // any key is also a variable...
//	authorization {               // a map may follow its key directly
//	  users = [
//	    {user: alice, password: $PASS}      // ...referenced as $PASS
//	    {user: bob, password: $BOB_PASS}    // not in the file: environment
//	  ]
//	  timeout: "2s"
//	}
//	include ./accounts.conf       // merged into this block
//
// # Grammar
//
//	document = entries | "{" entries "}"     // the outer braces of JSON are allowed
//	entries  = { entry | sep }
//	sep      = newline | "," | ";"
//	entry    = key [ blanks ] [ ":" | "=" ] [ blanks ] value
//	         | "include" blanks path
//	key      = bare-key | quoted
//	value    = quoted | bare | map | array
//	map      = "{" entries "}"
//	array    = "[" { newline } [ value { ( "," | newline ) { newline } value } [ "," ] ] { newline } "]"
//
// A map or array may also start on a line after its key when there is no
// separator ("jetstream" on one line, "{" on the next). An entry must be
// followed by a separator or by the '}' or end of file that closes its
// block. Blanks are spaces, tabs and carriage returns. Comments may start
// wherever a token may.
//
// A bare key runs up to a blank, a newline or one of ":=,;{}[]". A bare
// value runs up to a blank, a newline or one of ",;}]", so "127.0.0.1:4222"
// and "nats://user:pass@host:4222" are single values. '#' and '//' inside a
// bare word are part of it. Backslashes in bare words are kept as written.
//
// # Values
//
// A value in the result is a string, int64, float64, bool, map[string]any
// or []any. Quoted values are always strings: "..." understands the escapes
// \t \n \r \" \\ \xXX \uXXXX \UXXXXXXXX; '...' is raw. Both may span lines.
// A bare word is typed by its form:
//
//   - true, false, yes, no, on, off (in any case) are booleans;
//   - -?digits is an int64;
//   - -?digits followed by a size suffix, in any case, is an int64 byte
//     count: k=1000, kb=ki=kib=1024, and likewise m, g, t, p, e. As in
//     nats-server, a bare 2m is therefore the size 2000000, not two
//     minutes: write durations quoted ("2m") and read them with [Duration];
//   - -?digits.digits is a float64;
//   - $NAME is a variable reference (see below);
//   - anything else ("0.0.0.0", "10s", "s3cr3t", "1.5GB") is a string.
//
// Numbers outside the int64 range are errors. Keys keep their case; when a
// key repeats in a block, the last value wins.
//
// # Variables
//
// Every key is also a variable, visible in its block and in blocks nested
// in it after its definition. $NAME looks the name up in the current block,
// then in the enclosing ones, then in the environment; an undefined name is
// an error. The text of an environment variable is typed as a value in a file
// would be ("4222" is an int64), without expanding references or includes in
// it; text that is not a single value is kept as a string. References are not
// expanded inside quoted strings. As nats-server does, a bare word starting
// with $2a$, $2b$ or $2y$ is a bcrypt hash, not a reference. A map or array
// value obtained through a variable is shared, not copied.
//
// # Includes
//
// "include path" (path bare or quoted) parses another file into the
// current block, as if its text stood there: its keys join the block and
// it sees and defines the block's variables. A relative path starts from
// the directory of the including file ([Parse]: the current directory).
// Include cycles and includes of anything but regular files are errors.
//
// # Errors
//
// Every error from [Parse] and [ParseFile] other than failing to read the
// top file is an [*Error] with the file, 1-based line and column (counted
// in characters), and a message. Parsing never panics, and maps and arrays
// may nest at most 100 deep.
package conf
