import Testing
@testable import QRCodeEncoder

/// The PNG container and the SVG path, checked without a decoder.
@Suite struct RenderingTests {
    @Test func checksumsMatchTheirStandardCheckValues() {
        #expect(Checksum.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(Checksum.crc32(Array("IEND".utf8)) == 0xAE42_6082) // every PNG ends with these bytes
        #expect(Checksum.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
        #expect(Checksum.adler32([]) == 1)
        // Long enough to need the modulo more than once.
        #expect(Checksum.adler32([UInt8](repeating: 0xFF, count: 100_000)) == Self.slowAdler32([UInt8](repeating: 0xFF, count: 100_000)))
    }

    @Test func pngHasTheStandardLayout() throws {
        let symbol = try QRSymbol(encoding: "HELLO WORLD", errorCorrection: .quartile)
        let png = symbol.png(moduleSize: 3, quietZone: 4)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let chunks = try Self.chunks(of: png)
        #expect(chunks.map(\.type) == ["IHDR", "IDAT", "IEND"])
        for chunk in chunks { #expect(chunk.crcMatches, "\(chunk.type)") }
        let side = UInt32((21 + 8) * 3)
        #expect(Array(chunks[0].data) == Self.bigEndian(side) + Self.bigEndian(side) + [1, 0, 0, 0, 0])
    }

    /// Images larger than one stored deflate block (65 535 bytes) split into several.
    @Test func largeImagesSpanSeveralStoredBlocks() throws {
        let data = [UInt8](repeating: 0xAB, count: 150_000)
        let stream = Zlib.stored(data)
        #expect(stream.count == 2 + 3 * 5 + data.count + 4)
        #expect(stream[2] == 0 && stream[2 + 5 + 65_535] == 0 && stream[2 + 2 * (5 + 65_535)] == 1)
        #expect((UInt16(stream[0]) << 8 | UInt16(stream[1])) % 31 == 0, "zlib header check")
    }

    /// The path covers exactly the dark modules: parsed back, it gives the matrix.
    @Test func svgPathCoversExactlyTheDarkModules() throws {
        let symbol = try QRSymbol(encoding: "https://qr.example/q/3f2c8a9e-5b1d-4e7a-9c0f-8d2b6a4e1f37", errorCorrection: .medium)
        var covered = Set<[Int]>()
        for command in symbol.svgPathData.split(separator: "z") {
            // "M<x> <y>h<w>v1h-<w>"
            let numbers = command.dropFirst().split(whereSeparator: { "hv ".contains($0) }).compactMap { Int($0) }
            let (x, y, width) = (numbers[0], numbers[1], numbers[2])
            for column in x..<x + width { covered.insert([column, y]) }
        }
        var dark = Set<[Int]>()
        for row in 0..<symbol.size {
            for column in 0..<symbol.size where symbol.isDark(column: column, row: row) { dark.insert([column, row]) }
        }
        #expect(covered == dark)
        let svg = symbol.svg(width: "30mm", height: "30mm")
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"30mm\" height=\"30mm\" viewBox=\"-4 -4 \(symbol.size + 8) \(symbol.size + 8)\""))
        #expect(svg.components(separatedBy: "<path").count == 2, "one path")
    }

    // MARK: helpers

    struct Chunk {
        let type: String
        let data: ArraySlice<UInt8>
        let crcMatches: Bool
    }

    static func chunks(of png: [UInt8]) throws -> [Chunk] {
        var chunks: [Chunk] = []
        var offset = 8
        while offset < png.count {
            let length = Int(png[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            let typeAndData = Array(png[offset + 4..<offset + 8 + length])
            let crc = png[offset + 8 + length..<offset + 12 + length].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            chunks.append(Chunk(
                type: String(decoding: typeAndData.prefix(4), as: UTF8.self),
                data: png[offset + 8..<offset + 8 + length],
                crcMatches: Checksum.crc32(typeAndData) == crc))
            offset += 12 + length
        }
        return chunks
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func slowAdler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }
}
