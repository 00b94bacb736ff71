package secrets

import (
	"context"
	"testing"
)

// benchDataKey returns a data key from a fresh embedded keyring.
func benchDataKey(b *testing.B) *DataKey {
	b.Helper()
	k, err := OpenKeyring(context.Background(), Options{
		Store: NewMemoryKeyringStore(), Logger: quietLogger(),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { k.Close() })
	dk, _, err := k.NewDataKey(context.Background(), "sub-bench")
	if err != nil {
		b.Fatal(err)
	}
	return dk
}

// BenchmarkSeal seals one field holding a 64-hex Token Secret.
func BenchmarkSeal(b *testing.B) {
	dk := benchDataKey(b)
	s := New(hex64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dk.Seal("token_secret", s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen opens one sealed 64-hex field.
func BenchmarkOpen(b *testing.B) {
	dk := benchDataKey(b)
	sealed, err := dk.Seal("token_secret", New(hex64))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dk.Open("token_secret", sealed); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewDataKey makes and wraps one submission's data key.
func BenchmarkNewDataKey(b *testing.B) {
	k, err := OpenKeyring(context.Background(), Options{
		Store: NewMemoryKeyringStore(), Logger: quietLogger(),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		dk, _, err := k.NewDataKey(ctx, "sub-bench")
		if err != nil {
			b.Fatal(err)
		}
		dk.Destroy()
	}
}

// BenchmarkOpenDataKey unwraps one submission's data key.
func BenchmarkOpenDataKey(b *testing.B) {
	k, err := OpenKeyring(context.Background(), Options{
		Store: NewMemoryKeyringStore(), Logger: quietLogger(),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	ctx := context.Background()
	_, w, err := k.NewDataKey(ctx, "sub-bench")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		dk, err := k.OpenDataKey(ctx, "sub-bench", w)
		if err != nil {
			b.Fatal(err)
		}
		dk.Destroy()
	}
}
