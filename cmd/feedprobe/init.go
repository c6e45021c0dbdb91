package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/feedprobe/feedprobe/cmd/feedprobe/help"
	"github.com/feedprobe/feedprobe/personas"
)

func cmdInit(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "init", "--template NAME [-o FILE] [--base-url URL] [--force]", help.Command("init"))
	name := fs.String("template", "", "template name (--list shows them)")
	out := fs.StringP("output", "o", "", "file to write (default NAME.yaml; - for stdout)")
	base := fs.String("base-url", "", "the platform's base URL to write into the campaign")
	force := fs.Bool("force", false, "overwrite an existing file")
	list := fs.Bool("list", false, "list the templates and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if *list {
		for _, n := range personas.TemplateNames() {
			fmt.Fprintln(e.stdout, n)
		}
		return nil
	}
	if *name == "" {
		return flagError("--template is required; one of: %s", strings.Join(personas.TemplateNames(), ", "))
	}
	if !slices.Contains(personas.TemplateNames(), *name) {
		return flagError("--template %q: no such template; one of: %s", *name, strings.Join(personas.TemplateNames(), ", "))
	}
	data, err := personas.Template(*name, *base)
	if err != nil {
		return err
	}
	text := string(data)
	if *out == "-" {
		_, err := fmt.Fprint(e.stdout, text)
		return err
	}
	if *out == "" {
		*out = *name + ".yaml"
	}
	if a, data, ok := personas.TemplateAdapter(*name); ok {
		ap := filepath.Join(filepath.Dir(*out), a)
		if _, err := os.Stat(ap); errors.Is(err, os.ErrNotExist) {
			if err := os.WriteFile(ap, data, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "wrote %s (the adapter the campaign uses)\n", ap)
		}
	}
	if _, err := personas.ParseCampaign(*out, []byte(text), filepath.Dir(*out)); err != nil {
		return fmt.Errorf("template %s with --base-url %q does not validate: %w", *name, *base, err)
	}
	flag := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if *force {
		flag = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(*out, flag, 0o644)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists; use --force to overwrite or -o another file", *out)
	}
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s (template %s); edit it, then: feedprobe validate %s\n", *out, *name, *out)
	return nil
}
