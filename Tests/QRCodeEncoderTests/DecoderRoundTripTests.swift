import Foundation
import Testing
@testable import QRCodeEncoder

/// Every symbol is written as a PNG and read back by an independent decoder (zbarimg):
/// the payload must come back exactly, at every level, in every mode, across versions 1...40.
@Suite struct DecoderRoundTripTests {
    static let uuid = "3f2c8a9e-5b1d-4e7a-9c0f-8d2b6a4e1f37"

    /// The payloads QRConnect prints, and the awkward ones.
    static let payloads: [String] = [
        "01234567",
        "HELLO WORLD",
        "Invité-4821",
        "Grüße, 日本語 😀",
        "https://qr.example/q/\(uuid)",
        "HTTPS://QR.EXAMPLE/Q/\(uuid.uppercased())",
        "http://127.0.0.1:8080/q/\(uuid)",
        "a",
        "",
    ]

    static let levels = ErrorCorrectionLevel.allCases

    @Test(arguments: payloads, levels)
    func payloadReadsBack(_ payload: String, _ level: ErrorCorrectionLevel) throws {
        try expectReadsBack(try QRSymbol(encoding: payload, errorCorrection: level), payload)
    }

    /// Versions forced by filling each one to its capacity, so the block structure of every
    /// one of these versions is exercised, interleaving with short and long blocks included.
    static let versions = [1, 2, 5, 7, 10, 15, 20, 25, 27, 30, 35, 40]
    static let modes: [EncodingMode] = [.numeric, .alphanumeric, .byte]

    @Test(arguments: versions, levels)
    func fullSymbolsReadBack(_ version: Int, _ level: ErrorCorrectionLevel) throws {
        for mode in Self.modes {
            let payload = Self.filler(mode, count: Self.capacity(of: version, level, mode), seed: version)
            let symbol = try QRSymbol(encoding: payload, errorCorrection: level)
            #expect(symbol.version == version && symbol.mode == mode, "\(mode) at \(version)-\(level.rawValue)")
            try expectReadsBack(symbol, payload)
        }
    }

    /// All other versions, one payload each, so no version goes unread.
    @Test(arguments: Array(1...40).filter { !versions.contains($0) })
    func everyOtherVersionReadsBack(_ version: Int) throws {
        let level = Self.levels[version % 4]
        let mode = Self.modes[version % 3]
        let payload = Self.filler(mode, count: Self.capacity(of: version, level, mode), seed: version)
        let symbol = try QRSymbol(encoding: payload, errorCorrection: level)
        #expect(symbol.version == version)
        try expectReadsBack(symbol, payload)
    }

    /// Every mask pattern (forced), so a mistake in one that the penalty rules never pick
    /// still shows.
    @Test(arguments: 0..<8)
    func everyMaskReadsBack(_ mask: Int) throws {
        let payload = "HTTPS://QR.EXAMPLE/Q/\(Self.uuid.uppercased())"
        let segment = Segment(text: payload)
        let data = Codewords.data(segment, version: 7, level: .quartile)
        let symbol = QRSymbol(
            codewords: Codewords.interleaved(data, version: 7, level: .quartile),
            version: 7, errorCorrection: .quartile, mode: segment.mode, mask: mask)
        try expectReadsBack(symbol, payload)
    }

    // MARK: helpers

    private func expectReadsBack(_ symbol: QRSymbol, _ payload: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        _ = try #require(Zbar.executable, Comment(rawValue: Zbar.missing))
        let scratch = try ScratchDirectory()
        let file = scratch.url.appendingPathComponent("\(symbol.version)-\(symbol.errorCorrection.rawValue).png")
        try Data(symbol.png(moduleSize: symbol.version > 20 ? 3 : 4)).write(to: file)
        let decoded = try Zbar.decode(file)
        #expect(decoded == payload,
                "version \(symbol.version)-\(symbol.errorCorrection.rawValue) mask \(symbol.mask) \(symbol.mode)",
                sourceLocation: sourceLocation)
    }

    /// The most characters of `mode` a version holds at a level, from the bit costs of
    /// ISO/IEC 18004 §7.4 (computed here independently of the encoder's segment code).
    static func capacity(of version: Int, _ level: ErrorCorrectionLevel, _ mode: EncodingMode) -> Int {
        let available = VersionTable.dataCodewords(of: version, level) * 8 - 4 - mode.characterCountBits(version: version)
        func cost(_ count: Int) -> Int {
            switch mode {
            case .numeric: 10 * (count / 3) + [0, 4, 7][count % 3]
            case .alphanumeric: 11 * (count / 2) + 6 * (count % 2)
            case .byte: 8 * count
            }
        }
        var count = 0
        while cost(count + 1) <= available { count += 1 }
        return count
    }

    /// A reproducible payload of `count` characters in `mode` (bytes stay ASCII, so that
    /// characters and bytes agree).
    static func filler(_ mode: EncodingMode, count: Int, seed: Int) -> String {
        let alphabet: [Character] = switch mode {
        case .numeric: Array("0123456789")
        case .alphanumeric: Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
        case .byte: Array("abcdefghijklmnopqrstuvwxyz0123456789 -_.~/?=&#@!")
        }
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        return String((0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return alphabet[Int(state % UInt64(alphabet.count))]
        })
    }
}
