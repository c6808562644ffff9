import Testing
@testable import QRCodeEncoder

/// The encoder's tables and small codes against values printed in ISO/IEC 18004.
@Suite struct StandardTablesTests {
    // MARK: capacity (Table 7)

    /// (version, level, numeric, alphanumeric, byte): the most characters the standard says fit.
    static let capacities: [(Int, ErrorCorrectionLevel, Int, Int, Int)] = [
        (1, .low, 41, 25, 17), (1, .medium, 34, 20, 14), (1, .quartile, 27, 16, 11), (1, .high, 17, 10, 7),
        (10, .low, 652, 395, 271), (10, .medium, 513, 311, 213), (10, .quartile, 364, 221, 151), (10, .high, 288, 174, 119),
        (40, .low, 7089, 4296, 2953), (40, .medium, 5596, 3391, 2331), (40, .quartile, 3993, 2420, 1663), (40, .high, 3057, 1852, 1273),
    ]

    @Test(arguments: capacities.indices)
    func capacityMatchesTheStandard(_ index: Int) throws {
        let (version, level, numeric, alphanumeric, byte) = Self.capacities[index]
        for (character, count) in [("7", numeric), ("A", alphanumeric), ("a", byte)] {
            // setup: exactly the capacity, then one more
            let full = String(repeating: character, count: count)
            // check: the full one takes this version; one more character needs the next
            #expect(try QRSymbol(encoding: full, errorCorrection: level).version == version, "\(count) × \(character)")
            if version < 40 {
                #expect(try QRSymbol(encoding: full + character, errorCorrection: level).version == version + 1)
            } else {
                #expect(throws: QRSymbol.EncodingError.self) { try QRSymbol(encoding: full + character, errorCorrection: level) }
            }
        }
    }

    @Test func dataCodewordsMatchTheStandard() {
        #expect(ErrorCorrectionLevel.allCases.map { VersionTable.dataCodewords(of: 1, $0) } == [19, 16, 13, 9])
        #expect(ErrorCorrectionLevel.allCases.map { VersionTable.dataCodewords(of: 40, $0) } == [2956, 2334, 1666, 1276])
        #expect(VersionTable.totalCodewords(of: 1) == 26)
        #expect(VersionTable.totalCodewords(of: 7) == 196)
        #expect(VersionTable.totalCodewords(of: 40) == 3706)
        // 5-Q: two blocks of 15 data codewords and two of 16, 18 EC codewords each.
        #expect(VersionTable.dataCodewords(of: 5, .quartile) == 62)
        #expect(VersionTable.blocks(of: 5, .quartile) == 4)
    }

    @Test func alignmentCentresMatchAnnexE() {
        #expect(VersionTable.alignmentCentres(of: 1) == [])
        #expect(VersionTable.alignmentCentres(of: 2) == [6, 18])
        #expect(VersionTable.alignmentCentres(of: 7) == [6, 22, 38])
        #expect(VersionTable.alignmentCentres(of: 22) == [6, 26, 50, 74, 98])
        #expect(VersionTable.alignmentCentres(of: 32) == [6, 34, 60, 86, 112, 138])
        #expect(VersionTable.alignmentCentres(of: 36) == [6, 24, 50, 76, 102, 128, 154])
        #expect(VersionTable.alignmentCentres(of: 40) == [6, 30, 58, 86, 114, 142, 170])
    }

    // MARK: format and version information (Annexes C and D)

    @Test func formatInformationMatchesTableC1() {
        #expect(BCHCode.formatInformation(.low, mask: 0) == 0b111011111000100)
        #expect(BCHCode.formatInformation(.low, mask: 4) == 0b110011000101111)
        #expect(BCHCode.formatInformation(.medium, mask: 0) == 0b101010000010010)
        #expect(BCHCode.formatInformation(.medium, mask: 5) == 0b100000011001110)
        #expect(BCHCode.formatInformation(.quartile, mask: 0) == 0b011010101011111)
        #expect(BCHCode.formatInformation(.high, mask: 0) == 0b001011010001001)
        // The level L row in full.
        #expect((0..<8).map { BCHCode.formatInformation(.low, mask: $0) }
                == [0x77C4, 0x72F3, 0x7DAA, 0x789D, 0x662F, 0x6318, 0x6C41, 0x6976])
    }

    @Test func versionInformationMatchesTableD1() {
        #expect(BCHCode.versionInformation(7) == 0x07C94)
        #expect(BCHCode.versionInformation(8) == 0x085BC)
        #expect(BCHCode.versionInformation(20) == 0x149A6)
        #expect(BCHCode.versionInformation(30) == 0x1ED75)
        #expect(BCHCode.versionInformation(40) == 0x28C69)
    }

    /// The version 7 bits as they sit in the symbol: the block above the bottom-left finder,
    /// read row by row, is 6 columns of 3 bits, least significant bit top-left.
    @Test func versionInformationIsPlacedBothTimes() {
        let matrix = ModuleMatrix(version: 7)
        let bits = BCHCode.versionInformation(7)
        for index in 0..<18 {
            let expected = bits >> index & 1 == 1
            #expect(matrix[index / 3, matrix.size - 11 + index % 3] == expected)
            #expect(matrix[matrix.size - 11 + index % 3, index / 3] == expected)
        }
    }

    // MARK: Reed–Solomon (Annex A)

    /// Generator polynomials as the standard prints them: exponents of α, highest power first.
    @Test(arguments: [
        (7, [0, 87, 229, 146, 149, 238, 102, 21]),
        (10, [0, 251, 67, 46, 61, 118, 70, 64, 94, 32, 45]),
        (13, [0, 74, 152, 176, 100, 86, 100, 106, 104, 130, 218, 206, 140, 78]),
        (15, [0, 8, 183, 61, 91, 202, 37, 51, 58, 58, 237, 140, 124, 5, 99, 105]),
        (30, [0, 41, 173, 145, 152, 216, 31, 179, 182, 50, 48, 110, 86, 239, 96, 222, 125, 42, 173, 226, 193, 224,
              130, 156, 37, 251, 216, 238, 40, 192, 180]),
    ])
    func generatorPolynomialMatchesAnnexA(_ degree: Int, _ exponents: [Int]) {
        #expect(ReedSolomon.generator(degree: degree) == exponents.map(Self.alphaToThe))
    }

    /// αⁿ by repeated doubling in GF(256), independent of the encoder's tables.
    static func alphaToThe(_ exponent: Int) -> UInt8 {
        var value = 1
        for _ in 0..<exponent {
            value <<= 1
            if value & 0x100 != 0 { value ^= 0x11D }
        }
        return UInt8(value)
    }
}
