#!/usr/bin/env python3
# macho_cs.py: independent cdhash / page-hash checker for Mach-O code signatures.
# Source: approov research note ../shared/research/app-signatures.md, Appendix C
# (written from xnu osfmk/kern/cs_blobs.h and Apple TN3126; no code shared with
# internal/appsig/ipa). Used by the cross-check test; run: python3 macho_cs.py EXE
"""Dump Mach-O code signature blobs, cdhash, special slots; verify code page hashes; extract CMS."""
import hashlib, struct, sys
HT = {1: ('sha1', 20), 2: ('sha256', 32), 3: ('sha256', 20), 4: ('sha384', 48)}
MAGIC = {0xfade0c00:'requirement',0xfade0c01:'requirements',0xfade0c02:'codedirectory',0xfade0cc0:'embedded-signature',
         0xfade7171:'entitlements',0xfade7172:'der-entitlements',0xfade0b01:'blobwrapper(CMS)',0xfade8181:'launch-constraint'}

def thin_slices(d):
    m = struct.unpack_from('>I', d, 0)[0]
    if m in (0xcafebabe, 0xcafebabf):   # FAT_MAGIC / FAT_MAGIC_64, big-endian header
        n = struct.unpack_from('>I', d, 4)[0]; out = []
        for i in range(n):
            if m == 0xcafebabe: ct, cst, off, size, al = struct.unpack_from('>iiIII', d, 8 + 20*i)
            else:               ct, cst, off, size, al, _ = struct.unpack_from('>iiQQII', d, 8 + 32*i)
            out.append((ct, cst & 0xffffff, d[off:off+size]))
        return out
    ct, cst = struct.unpack_from('<ii', d, 4)
    return [(ct, cst & 0xffffff, d)]

def dump(mo):
    magic, = struct.unpack_from('<I', mo, 0)
    assert magic in (0xfeedface, 0xfeedfacf), hex(magic)
    ncmds = struct.unpack_from('<I', mo, 16)[0]
    off = 32 if magic == 0xfeedfacf else 28
    cs = None
    for _ in range(ncmds):
        cmd, size = struct.unpack_from('<II', mo, off)
        if cmd == 0x1d: cs = struct.unpack_from('<II', mo, off+8)
        off += size
    if not cs: print('  no LC_CODE_SIGNATURE'); return
    dataoff, datasize = cs; sb = mo[dataoff:dataoff+datasize]
    smagic, slen, count = struct.unpack_from('>III', sb, 0)
    print(f'  SuperBlob magic=0x{smagic:08x} len={slen} count={count}')
    for i in range(count):
        slot, boff = struct.unpack_from('>II', sb, 12 + 8*i)
        bmagic, blen = struct.unpack_from('>II', sb, boff); blob = sb[boff:boff+blen]
        print(f'  slot 0x{slot:05x} {MAGIC.get(bmagic, hex(bmagic))} len={blen}')
        if bmagic == 0xfade0c02:
            ver, flags, hoff, ioff, nspec, ncode, limit, hsize, htype, plat, pgsz = struct.unpack_from('>IIIIIIIBBBB', blob, 8)
            ident = blob[ioff:blob.index(b'\0', ioff)].decode(); team = None
            if ver >= 0x20200:
                toff, = struct.unpack_from('>I', blob, 48)
                if toff: team = blob[toff:blob.index(b'\0', toff)].decode()
            name, _ = HT[htype]
            full = hashlib.new(name, blob).digest()
            print(f'    version=0x{ver:x} flags=0x{flags:x} hashType={htype}({name}) hashSize={hsize} pageSize={1<<pgsz if pgsz else 0}'
                  f' ident={ident!r} team={team!r} nSpecial={nspec} nCode={ncode} codeLimit={limit}')
            print(f'    cdhash(truncated 20B)={full[:20].hex()}  full={full.hex()}')
            for s in range(1, nspec+1):
                h = blob[hoff - s*hsize: hoff - (s-1)*hsize]
                if any(h): print(f'    special slot -{s}: {h.hex()}')
            ps = 1 << pgsz; bad = 0
            for p in range(ncode):
                page = mo[p*ps:min((p+1)*ps, limit)]
                if hashlib.new(name, page).digest()[:hsize] != blob[hoff+p*hsize:hoff+(p+1)*hsize]: bad += 1
            print(f'    code page hashes: {ncode-bad}/{ncode} OK')
        if bmagic == 0xfade0b01 and blen > 8:
            open(f'cms-{dataoff}.der', 'wb').write(blob[8:]); print(f'    CMS written to cms-{dataoff}.der ({blen-8} bytes)')

d = open(sys.argv[1], 'rb').read()
for ct, cst, mo in thin_slices(d):
    print(f'slice cputype=0x{ct:x} subtype={cst} size={len(mo)}'); dump(mo)
