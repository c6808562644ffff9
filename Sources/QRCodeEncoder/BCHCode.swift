/// The two small BCH codes that protect what a reader must learn before anything else:
/// the format information (level and mask, 5 bits → 15) and, from version 7 on, the version
/// information (6 bits → 18). ISO/IEC 18004 Annexes C and D.
enum BCHCode {
    /// The 15 format bits for `level` and `mask`, already XORed with 0x5412 so that they are
    /// never all light.
    static func formatInformation(_ level: ErrorCorrectionLevel, mask: Int) -> Int {
        let data = level.formatBits << 3 | mask
        return (data << 10 | remainder(of: data, generator: 0x537, degree: 10)) ^ 0x5412
    }

    /// The 18 version bits (version 7 gives 0x07C94).
    static func versionInformation(_ version: Int) -> Int {
        version << 12 | remainder(of: version, generator: 0x1F25, degree: 12)
    }

    /// The remainder of value·x^degree divided by `generator`, polynomials over GF(2).
    static func remainder(of value: Int, generator: Int, degree: Int) -> Int {
        var remainder = value << degree
        for bit in stride(from: remainder.bitWidth - remainder.leadingZeroBitCount - 1, through: degree, by: -1)
        where remainder >> bit & 1 == 1 {
            remainder ^= generator << (bit - degree)
        }
        return remainder
    }
}
