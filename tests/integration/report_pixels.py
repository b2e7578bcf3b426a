#!/usr/bin/env python3
"""report_pixels.py PNG COLOR...: is every chart of an HTML report drawn in a screenshot?

Each chart's plot area is framed in its own colour (src/load/engine/report.h,
REPORT_FRAME_COLORS), crisp-edged, so its box is the bounding box of the pixels of
exactly that colour. Inside the box (less a margin of the frame's width), a pixel is
"drawn" when it is clearly darker than the background and the gridlines (its darkest
channel below 200): the lines of the series. Prints one line per chart; exits 0 when
every chart is found and has at least MIN_DRAWN drawn pixels, 1 otherwise (naming
the chart), 2 on a PNG it cannot read. Reads 8-bit RGB or RGBA PNGs without libraries.
"""
import struct
import sys
import zlib

MIN_DRAWN = 50
MIN_BOX = (300, 100)


def read_png(path):
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('not a PNG')
    pos, idat, hdr = 8, b'', None
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            hdr = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError('only 8-bit RGB/RGBA non-interlaced PNGs are read')
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip().splitlines()[0])
        return 2
    try:
        w, h, bpp, rows = read_png(sys.argv[1])
    except (OSError, ValueError, TypeError, zlib.error, struct.error) as e:
        print('cannot read %s: %s' % (sys.argv[1], e))
        return 2
    failed = 0
    for color in sys.argv[2:]:
        want = bytes.fromhex(color.lstrip('#'))
        xs, ys = [], []
        for y in range(h):
            i = rows[y].find(want)
            while i >= 0:
                if i % bpp == 0:
                    xs.append(i // bpp)
                    ys.append(y)
                i = rows[y].find(want, i + 1)
        if not xs or max(xs) - min(xs) < MIN_BOX[0] or max(ys) - min(ys) < MIN_BOX[1]:
            print('chart %s: not found' % color)
            failed += 1
            continue
        x0, x1, y0, y1 = min(xs) + 3, max(xs) - 3, min(ys) + 3, max(ys) - 3
        drawn = sum(1 for y in range(y0, y1) for x in range(x0, x1)
                    if min(rows[y][x * bpp:x * bpp + 3]) < 200)
        verdict = 'drawn' if drawn >= MIN_DRAWN else 'EMPTY'
        print('chart %s: %dx%d at %d,%d, %d drawn pixels: %s' % (
            color, x1 - x0, y1 - y0, x0, y0, drawn, verdict))
        failed += drawn < MIN_DRAWN
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
