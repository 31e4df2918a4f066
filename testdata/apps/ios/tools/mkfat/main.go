// Command mkfat writes a universal (fat) Mach-O from thin 64-bit Mach-O
// files, so the fixture generator needs no lipo. Test-fixture tool only.
//
//	go run ./mkfat -o Fixture-universal Fixture-arm64 Fixture-amd64
package main

import (
	"encoding/binary"
	"flag"
	"log"
	"os"
)

const align = 14 // 16 KiB, as lipo uses for arm64

func main() {
	out := flag.String("o", "", "output file")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		log.Fatal("usage: mkfat -o OUT THIN...")
	}
	var slices [][]byte
	for _, p := range flag.Args() {
		b, err := os.ReadFile(p)
		if err != nil {
			log.Fatal(err)
		}
		if binary.LittleEndian.Uint32(b) != 0xfeedfacf {
			log.Fatalf("%s: not a thin 64-bit Mach-O", p)
		}
		slices = append(slices, b)
	}
	hdr := make([]byte, 8+20*len(slices))
	binary.BigEndian.PutUint32(hdr[0:], 0xcafebabe)
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(slices)))
	file := hdr
	for i, s := range slices {
		off := roundUp(len(file), 1<<align)
		file = append(file, make([]byte, off-len(file))...)
		e := hdr[8+20*i:]
		copy(e[0:8], s[4:12]) // cputype, cpusubtype (little-endian in the slice)
		binary.BigEndian.PutUint32(e[0:], binary.LittleEndian.Uint32(s[4:]))
		binary.BigEndian.PutUint32(e[4:], binary.LittleEndian.Uint32(s[8:]))
		binary.BigEndian.PutUint32(e[8:], uint32(off))
		binary.BigEndian.PutUint32(e[12:], uint32(len(s)))
		binary.BigEndian.PutUint32(e[16:], align)
		copy(file[:len(hdr)], hdr)
		file = append(file, s...)
	}
	copy(file[:len(hdr)], hdr)
	if err := os.WriteFile(*out, file, 0o755); err != nil {
		log.Fatal(err)
	}
}

func roundUp(n, a int) int { return (n + a - 1) / a * a }
