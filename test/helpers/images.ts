// Minimal real image files built in memory, with chosen dimensions, for logo tests.
import { deflateSync } from 'node:zlib'

function crc32(bytes: Buffer): number {
  let crc = ~0
  for (const byte of bytes) {
    crc ^= byte
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1))
  }
  return ~crc >>> 0
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

export const images = {
  /** A valid grey PNG (decodes in browsers) of the given size. */
  png(width: number, height: number): Buffer {
    const header = Buffer.alloc(13)
    header.writeUInt32BE(width, 0)
    header.writeUInt32BE(height, 4)
    header.writeUInt8(8, 8) // bit depth
    header.writeUInt8(0, 9) // greyscale
    const rows = Buffer.alloc(Math.min(height, 4096) * (Math.min(width, 4096) + 1), 0x80)
    for (let y = 0; y < Math.min(height, 4096); y++) rows[y * (Math.min(width, 4096) + 1)] = 0
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      pngChunk('IHDR', header),
      pngChunk('IDAT', deflateSync(rows)),
      pngChunk('IEND', Buffer.alloc(0)),
    ])
  },
  gif(width: number, height: number): Buffer {
    const bytes = Buffer.from('GIF89a\0\0\0\0\0\0\0;', 'latin1')
    bytes.writeUInt16LE(width, 6)
    bytes.writeUInt16LE(height, 8)
    return bytes
  },
  jpeg(width: number, height: number): Buffer {
    const app0 = Buffer.from([
      0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ])
    const sof = Buffer.from([
      0xff, 0xc0, 0x00, 0x11, 0x08, 0, 0, 0, 0, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
    ])
    sof.writeUInt16BE(height, 5)
    sof.writeUInt16BE(width, 7)
    return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.from([0xff, 0xd9])])
  },
  webp(width: number, height: number): Buffer {
    const bytes = Buffer.alloc(30)
    bytes.write('RIFF', 0, 'latin1')
    bytes.writeUInt32LE(22, 4)
    bytes.write('WEBPVP8L', 8, 'latin1')
    bytes.writeUInt32LE(9, 16)
    bytes.writeUInt8(0x2f, 20)
    bytes.writeUInt32LE(((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14), 21)
    return bytes
  },
}
