/// A zlib stream (RFC 1950) whose deflate data (RFC 1951) is a series of stored blocks:
/// valid for every decoder, and needing no compressor.
enum Zlib {
    /// The largest stored block deflate allows.
    static let maximumBlock = 65_535

    static func stored(_ data: [UInt8]) -> [UInt8] {
        var stream: [UInt8] = [0x78, 0x01] // deflate, 32 kB window, no preset dictionary, header check ok
        var start = 0
        repeat {
            let end = Swift.min(start + maximumBlock, data.count)
            let length = UInt16(end - start)
            stream.append(end == data.count ? 1 : 0) // BFINAL on the last block; BTYPE 00 = stored
            stream += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            stream += data[start..<end]
            start = end
        } while start < data.count
        stream.appendBigEndian(Checksum.adler32(data))
        return stream
    }
}
