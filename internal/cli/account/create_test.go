package account

import (
	"strings"
	"testing"

	"github.com/approov-cli/approov/internal/cli/clitest"
	"github.com/approov-cli/approov/internal/fault"
)

func TestNewCmdCreate(t *testing.T) {
	tests := []struct {
		args string
		want CreateOptions
		err  string
	}{
		{args: "--local", want: CreateOptions{Local: true}},
		{args: "--local --name demo --user me@example.com --init --password-stdin --storage file",
			want: CreateOptions{Local: true, Name: "demo", User: "me@example.com", Init: true, PasswordStdin: true, Storage: "file"}},
		{args: "", err: "--local is required"},
		{args: "--local --password-stdin", err: "only makes sense with --init"},
		{args: "--local --init --storage vault", err: "unknown storage"},
		{args: "--local extra", err: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			f, _ := clitest.Factory(clitest.Config{})
			var got *CreateOptions
			err := clitest.Execute(NewCmdCreate(f, func(o *CreateOptions) error { got = o; return nil }), strings.Fields(tt.args)...)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				if tt.args != "--local extra" && fault.KindOf(err) != fault.Usage {
					t.Errorf("kind %v, want usage", fault.KindOf(err))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			w := tt.want
			if got.Local != w.Local || got.Name != w.Name || got.User != w.User || got.Init != w.Init || got.PasswordStdin != w.PasswordStdin || got.Storage != w.Storage {
				t.Fatalf("options %+v, want %+v", got, w)
			}
		})
	}
}

func TestDefaultUser(t *testing.T) {
	if u := defaultUser(); !strings.HasSuffix(u, "@localhost") || strings.ContainsAny(u, " \\") {
		t.Errorf("defaultUser() = %q", u)
	}
}
