// Recognizes an uploaded logo by its bytes, never by the Content-Type it came with: PNG, JPEG, WebP
// or GIF, with its pixel dimensions. Anything else (SVG above all: it can carry script) is refused.

export type ImageType = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif'

export interface ImageInfo {
  type: ImageType
  width: number
  height: number
}

export const LOGO_MAX_BYTES = 1024 * 1024
export const LOGO_MAX_PIXELS_PER_SIDE = 4096

function png(bytes: Buffer): ImageInfo | undefined {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
  if (bytes.length < 24 || !signature.every((b, i) => bytes[i] === b)) return undefined
  if (bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined
  return { type: 'image/png', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

function gif(bytes: Buffer): ImageInfo | undefined {
  const header = bytes.toString('latin1', 0, 6)
  if (bytes.length < 10 || (header !== 'GIF87a' && header !== 'GIF89a')) return undefined
  return { type: 'image/gif', width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) }
}

function jpeg(bytes: Buffer): ImageInfo | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) return undefined
  let offset = 2
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return undefined
    const marker = bytes[offset + 1] ?? 0
    if (marker === 0xff) {
      offset++
      continue
    }
    const length = bytes.readUInt16BE(offset + 2)
    // Start-of-frame markers C0–CF carry the dimensions, except C4 (DHT), C8 (JPG) and CC (DAC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return {
        type: 'image/jpeg',
        height: bytes.readUInt16BE(offset + 5),
        width: bytes.readUInt16BE(offset + 7),
      }
    }
    if (length < 2) return undefined
    offset += 2 + length
  }
  return undefined
}

function webp(bytes: Buffer): ImageInfo | undefined {
  if (
    bytes.length < 30 ||
    bytes.toString('latin1', 0, 4) !== 'RIFF' ||
    bytes.toString('latin1', 8, 12) !== 'WEBP'
  ) {
    return undefined
  }
  const chunk = bytes.toString('latin1', 12, 16)
  if (chunk === 'VP8 ') {
    return {
      type: 'image/webp',
      width: bytes.readUInt16LE(26) & 0x3fff,
      height: bytes.readUInt16LE(28) & 0x3fff,
    }
  }
  if (chunk === 'VP8L') {
    const bits = bytes.readUInt32LE(21)
    return { type: 'image/webp', width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 }
  }
  if (chunk === 'VP8X') {
    return { type: 'image/webp', width: bytes.readUIntLE(24, 3) + 1, height: bytes.readUIntLE(27, 3) + 1 }
  }
  return undefined
}

export function inspectImage(bytes: Buffer): ImageInfo | undefined {
  const info = png(bytes) ?? jpeg(bytes) ?? gif(bytes) ?? webp(bytes)
  return info && info.width > 0 && info.height > 0 ? info : undefined
}
