package secrets

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the seed corpus under testdata/fuzz")

// Fixed keys, so that the committed seed corpus holds values that really
// are authentic and the fuzz targets can tell them from forgeries.
var (
	fuzzKEK     = sequence(0x40, kekSize)
	fuzzDataKey = sequence(0x80, dataKeySize)
)

const fuzzSubject = "sub-fuzz"

func sequence(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

func fixedNonce(i int) []byte { return bytes.Repeat([]byte{byte(i + 1)}, nonceSize) }

// corpusEntry is one seed: a file name and the fuzz arguments.
type corpusEntry struct {
	name string
	args []any
}

// fieldSeeds returns the authentic sealed fields (name to value) and the
// seed corpus of FuzzOpen, which also holds near misses.
func fieldSeeds() (map[string]string, []corpusEntry) {
	plain := []struct{ name, field, value string }{
		{"authentic-consumer-secret", "consumer_secret", hex64},
		{"authentic-token-secret", "token_secret", "8c1e" + hex64[4:]},
		{"authentic-empty", "token_id", ""},
	}
	authentic := map[string]string{}
	var seeds []corpusEntry
	var first []byte
	for i, p := range plain {
		sealed, err := seal(fuzzDataKey, fixedNonce(i), []byte(p.value),
			fieldAAD(fuzzSubject, p.field))
		if err != nil {
			panic(err)
		}
		if first == nil {
			first = sealed
		}
		authentic[p.field+"\x00"+string(sealed)] = p.value
		seeds = append(seeds, corpusEntry{p.name, []any{p.field, sealed}})
	}
	flipped := bytes.Clone(first)
	flipped[len(flipped)-1] ^= 1
	seeds = append(seeds,
		corpusEntry{"swapped-field", []any{"token_secret", first}},
		corpusEntry{"truncated", []any{"consumer_secret", first[:20]}},
		corpusEntry{"unknown-format", []any{"consumer_secret",
			append([]byte{2}, first[1:]...)}},
		corpusEntry{"tag-flipped", []any{"consumer_secret", flipped}},
		corpusEntry{"empty", []any{"consumer_secret", []byte{}}},
	)
	return authentic, seeds
}

// dataKeySeeds does the same for FuzzOpenDataKey.
func dataKeySeeds() (map[string]bool, []corpusEntry) {
	authentic := map[string]bool{}
	var seeds []corpusEntry
	var first []byte
	for i, subject := range []string{"sub-1", "sub-2"} {
		ct, err := seal(fuzzKEK, fixedNonce(i), fuzzDataKey, dataKeyAAD(subject, 1))
		if err != nil {
			panic(err)
		}
		if first == nil {
			first = ct
		}
		authentic[wrappedID(subject, 1, ct)] = true
		seeds = append(seeds, corpusEntry{"authentic-" + subject,
			[]any{subject, 1, ct}})
	}
	seeds = append(seeds,
		corpusEntry{"other-subject", []any{"sub-3", 1, first}},
		corpusEntry{"other-version", []any{"sub-1", 2, first}},
		corpusEntry{"negative-version", []any{"sub-1", -1, first}},
		corpusEntry{"truncated", []any{"sub-1", 1, first[:wrappedSize-1]}},
		corpusEntry{"empty-subject", []any{"", 1, first}},
	)
	return authentic, seeds
}

func wrappedID(subject string, version int, ct []byte) string {
	return fmt.Sprintf("%q|%d|%x", subject, version, ct)
}

func FuzzOpen(f *testing.F) {
	authentic, _ := fieldSeeds()
	f.Fuzz(func(t *testing.T, field string, sealed []byte) {
		dk := &DataKey{subject: fuzzSubject, key: bytes.Clone(fuzzDataKey)}
		got, err := dk.Open(field, sealed)
		want, ok := authentic[field+"\x00"+string(sealed)]
		switch {
		case err != nil && ok:
			t.Fatalf("an authentic value failed to open: %v", err)
		case err != nil && !errors.Is(err, ErrTampered) &&
			!errors.Is(err, ErrUnknownFormat):
			t.Fatalf("Open: unexpected kind of error: %v", err)
		case err == nil && !ok:
			t.Fatalf("Open accepted %x for field %q, which was never sealed",
				sealed, field)
		case err == nil && got.Reveal() != want:
			t.Fatalf("Open = %q, want %q", got.Reveal(), want)
		}
	})
}

func FuzzOpenDataKey(f *testing.F) {
	authentic, _ := dataKeySeeds()
	k := fuzzKeyring(f)
	f.Fuzz(func(t *testing.T, subject string, version int, ct []byte) {
		dk, err := k.OpenDataKey(context.Background(), subject,
			WrappedKey{Version: version, Ciphertext: ct})
		ok := authentic[wrappedID(subject, version, ct)]
		switch {
		case err != nil && ok:
			t.Fatalf("an authentic wrapped key failed to open: %v", err)
		case err != nil && subject != "" && !errors.Is(err, ErrTampered) &&
			!errors.Is(err, ErrUnknownFormat) &&
			!errors.Is(err, ErrUnknownKeyVersion):
			t.Fatalf("OpenDataKey: unexpected kind of error: %v", err)
		case err == nil && !ok:
			t.Fatalf("OpenDataKey accepted %x (subject %q, version %d), "+
				"which was never wrapped", ct, subject, version)
		case err == nil && !bytes.Equal(dk.key, fuzzDataKey):
			t.Fatal("OpenDataKey returned another key")
		}
	})
}

// fuzzKeyring opens a keyring whose version 1 is fuzzKEK.
func fuzzKeyring(tb testing.TB) *Keyring {
	tb.Helper()
	ctx := context.Background()
	r := &ring{
		current:  1,
		keks:     map[int]kek{1: {key: bytes.Clone(fuzzKEK)}},
		hashKey:  make([]byte, hashKeySize),
		blockKey: make([]byte, blockKeySize),
	}
	d, err := wrapper{}.seal(ctx, r)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := encodeDocument(d)
	if err != nil {
		tb.Fatal(err)
	}
	store := NewMemoryKeyringStore()
	if err := store.SaveKeyring(ctx, nil, b); err != nil {
		tb.Fatal(err)
	}
	k, err := OpenKeyring(ctx, Options{Store: store, Logger: quietLogger()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { k.Close() })
	return k
}

// TestFuzzCorpusIsCurrent checks that the committed seed corpus is what
// the generators above produce, so the authentic seeds really are
// authentic. Run with -update to rewrite it.
func TestFuzzCorpusIsCurrent(t *testing.T) {
	_, fieldCorpus := fieldSeeds()
	_, keyCorpus := dataKeySeeds()
	sets := map[string][]corpusEntry{
		"FuzzOpen":        fieldCorpus,
		"FuzzOpenDataKey": keyCorpus,
	}
	for target, entries := range sets {
		for _, e := range entries {
			path := filepath.Join("testdata", "fuzz", target, e.name)
			want := encodeCorpus(e.args)
			if *update {
				writeCorpus(t, path, want)
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%v (run go test -update to write the corpus)", err)
				continue
			}
			if string(got) != want {
				t.Errorf("%s is stale; run go test -update", path)
			}
		}
	}
}

func writeCorpus(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// encodeCorpus writes arguments in the "go test fuzz v1" file format.
func encodeCorpus(args []any) string {
	var b bytes.Buffer
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case string:
			fmt.Fprintf(&b, "string(%q)\n", v)
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		case int:
			fmt.Fprintf(&b, "int(%d)\n", v)
		default:
			panic(fmt.Sprintf("corpus: unsupported type %T", a))
		}
	}
	return b.String()
}
