/// PNG output, written by hand so the library needs nothing else: a 1-bit grayscale image
/// (IHDR, one IDAT, IEND), its pixels in zlib "stored" blocks. Uncompressed, but a QR code at
/// 1 bit per pixel is small anyway: version 4 at 8 px per module (328 × 328) takes 14 kB.
extension QRSymbol {
    /// The symbol as PNG bytes: `moduleSize` pixels per module, `quietZone` light modules
    /// around it (4, as the standard requires, by default).
    public func png(moduleSize: Int = 8, quietZone: Int = 4) -> [UInt8] {
        precondition(moduleSize > 0 && quietZone >= 0)
        let side = (size + 2 * quietZone) * moduleSize
        let rowBytes = (side + 7) / 8
        // One scanline per pixel row: filter type 0 (none), then 8 pixels per byte, MSB first,
        // 1 = white. Rows within one module row are identical, so build each once.
        var image: [UInt8] = []
        image.reserveCapacity((rowBytes + 1) * side)
        for moduleRow in -quietZone..<size + quietZone {
            var line = [UInt8](repeating: 0xFF, count: rowBytes)
            if (0..<size).contains(moduleRow) {
                for column in 0..<size where isDark(column: column, row: moduleRow) {
                    for pixel in (column + quietZone) * moduleSize..<(column + quietZone + 1) * moduleSize {
                        line[pixel / 8] &= ~(0x80 >> UInt8(pixel % 8))
                    }
                }
            }
            for _ in 0..<moduleSize { image.append(0); image.append(contentsOf: line) }
        }
        var header: [UInt8] = []
        header.appendBigEndian(UInt32(side))
        header.appendBigEndian(UInt32(side))
        header += [1, 0, 0, 0, 0] // bit depth 1, grayscale, deflate, no filter variants, no interlace
        return PNGFile.signature
            + PNGFile.chunk("IHDR", header)
            + PNGFile.chunk("IDAT", Zlib.stored(image))
            + PNGFile.chunk("IEND", [])
    }
}

/// The container: an 8-byte signature, then chunks of length, type, data and CRC.
enum PNGFile {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeAndData = Array(type.utf8) + data
        var chunk: [UInt8] = []
        chunk.appendBigEndian(UInt32(data.count))
        chunk += typeAndData
        chunk.appendBigEndian(Checksum.crc32(typeAndData))
        return chunk
    }
}

extension [UInt8] {
    mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)])
    }
}
