package main

import (
	"bufio"
	"encoding/json"
	"io"
	"reflect"
	"runtime/debug"
	"sync"

	auditreport "github.com/feedprobe/feedprobe/analysis/report"
)

// revision and modified are the source revision and whether the working
// tree had changes, set at build time by make build with -ldflags "-X
// main.revision=... -X main.modified=true"; Go's build info wins when it
// has them.
var revision, modified string

// toolInfo is this binary's version and the source revision it was built
// from (Go's build info: vcs.revision and vcs.modified; else what make
// build stamped).
func toolInfo() auditreport.Tool {
	t := auditreport.Tool{Version: version, Revision: revision, Modified: modified == "true"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return t
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			t.Revision = s.Value
		case "vcs.modified":
			t.Modified = s.Value == "true"
		}
	}
	if t.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		t.Version = bi.Main.Version
	}
	return t
}

// writeJSON writes v to w as indented JSON, for the commands' --json: the
// bytes json.Encoder writes with SetIndent("", "  "). A struct whose
// fields all have plain names (see plainFields), such a struct's fields of
// the same kind, and long slices are laid out here and their parts
// marshalled at once: analyze --json over 10M impressions writes 46 MB,
// most of it two slices of 1000 personas, about a second of one core.
func writeJSON(w io.Writer, v any) error {
	var ps []jsonPiece
	layoutJSON(v, "", 3, &ps)
	var wg sync.WaitGroup
	for i := range ps {
		if p := &ps[i]; len(p.vs) > 0 {
			wg.Go(p.marshal)
		}
	}
	wg.Wait()
	for _, p := range ps {
		if p.err != nil {
			return p.err
		}
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	for _, p := range ps {
		if _, err := bw.Write(p.out); err != nil {
			return err
		}
	}
	if err := bw.WriteByte('\n'); err != nil {
		return err
	}
	return bw.Flush()
}

// jsonPiece is a part of writeJSON's output: out as it is, or the values
// vs marshalled into out, each as MarshalIndent(v, prefix, "  ") writes it,
// joined by a comma, a newline and prefix (elements of a slice).
type jsonPiece struct {
	vs     []any
	prefix string
	out    []byte
	err    error
}

func (p *jsonPiece) marshal() {
	for i, v := range p.vs {
		b, err := json.MarshalIndent(v, p.prefix, "  ")
		if err != nil {
			p.err = err
			return
		}
		if i > 0 {
			p.out = append(p.out, ",\n"+p.prefix...)
		}
		p.out = append(p.out, b...)
	}
}

// splitSliceLen is the length from which writeJSON marshals a slice's
// elements in parts, and the most elements a part holds.
const (
	splitSliceLen  = 64
	slicePartElems = 64
)

// layoutJSON appends the pieces of v indented as at
// prefix (its first line not indented, as after a key), splitting plain
// structs into their fields and long slices into parts of their elements,
// down to depth levels.
func layoutJSON(v any, prefix string, depth int, ps *[]jsonPiece) {
	rv := reflect.ValueOf(v)
	lit := func(s string) { *ps = append(*ps, jsonPiece{out: []byte(s)}) }
	in := prefix + "  "
	if depth > 0 && splittableSlice(rv) {
		if rv.Kind() == reflect.Pointer { // a field by address
			rv = rv.Elem()
		}
		lit("[\n" + in)
		for from := 0; from < rv.Len(); from += slicePartElems {
			if from > 0 {
				lit(",\n" + in)
			}
			p := jsonPiece{prefix: in}
			for i := from; i < min(from+slicePartElems, rv.Len()); i++ {
				p.vs = append(p.vs, rv.Index(i).Addr().Interface()) // elements are addressable to encoding/json too
			}
			*ps = append(*ps, p)
		}
		lit("\n" + prefix + "]")
		return
	}
	names, fields, ok := plainFields(v)
	if depth == 0 || !ok {
		*ps = append(*ps, jsonPiece{vs: []any{v}, prefix: prefix})
		return
	}
	lit("{\n")
	for i, f := range fields {
		lit(in + `"` + names[i] + `": `)
		layoutJSON(f, in, depth-1, ps)
		if i < len(fields)-1 {
			lit(",")
		}
		lit("\n")
	}
	lit(prefix + "}")
}

// splittableSlice says whether rv (or what it points to) is a slice of at
// least splitSliceLen elements that encoding/json writes as an array of
// its elements: not bytes (base64), no MarshalJSON or MarshalText of its
// own.
func splittableSlice(rv reflect.Value) bool {
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Slice || rv.Len() < splitSliceLen || rv.Type().Elem().Kind() == reflect.Uint8 {
		return false
	}
	return !ownMarshaler(rv.Type())
}

// ownMarshaler says whether t or *t has a MarshalJSON or MarshalText.
func ownMarshaler(t reflect.Type) bool {
	marshaler := reflect.TypeFor[json.Marshaler]()
	texter := reflect.TypeFor[interface{ MarshalText() ([]byte, error) }]()
	for _, tt := range []reflect.Type{t, reflect.PointerTo(t)} {
		if tt.Implements(marshaler) || tt.Implements(texter) {
			return true
		}
	}
	return false
}

// plainFields returns the JSON names and values of the fields of struct v
// (or of the struct *v points to, the fields then by address, as
// encoding/json sees them) when it can be marshalled a field at a time:
// v's type has no MarshalJSON or MarshalText of its own, it has at least
// one exported field, and every exported field is named by a tag of
// letters, digits and underscores alone (no omitempty, no "-", none
// embedded). Unexported fields are left out, as encoding/json does.
func plainFields(v any) (names []string, fields []any, ok bool) {
	rv := reflect.ValueOf(v)
	byAddr := false
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv, byAddr = rv.Elem(), true
	}
	if rv.Kind() != reflect.Struct {
		return nil, nil, false
	}
	t := rv.Type()
	if ownMarshaler(t) {
		return nil, nil, false
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() && !sf.Anonymous {
			continue
		}
		name := sf.Tag.Get("json")
		if sf.Anonymous || !plainName(name) {
			return nil, nil, false
		}
		f := rv.Field(i)
		if byAddr {
			fields = append(fields, f.Addr().Interface())
		} else {
			fields = append(fields, f.Interface())
		}
		names = append(names, name)
	}
	return names, fields, len(fields) > 0
}

// plainName says whether a json tag is a bare name that encoding/json
// writes as it is.
func plainName(tag string) bool {
	if tag == "" {
		return false
	}
	for _, c := range tag {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
