/// The byte stream a symbol carries: the segment, terminated and padded to the data
/// capacity, split into blocks, each block followed by its error correction, and the blocks
/// interleaved codeword by codeword so that a smudge hurts many blocks a little rather than
/// one block beyond repair (ISO/IEC 18004 §7.4 and §7.6).
enum Codewords {
    /// The data codewords of `segment` for `version` and `level` (the segment must fit).
    static func data(_ segment: Segment, version: Int, level: ErrorCorrectionLevel) -> [UInt8] {
        let capacityBits = VersionTable.dataCodewords(of: version, level) * 8
        var stream = BitBuffer()
        segment.write(to: &stream, version: version)
        precondition(stream.count <= capacityBits, "segment does not fit version \(version)-\(level.rawValue)")
        // Terminator: up to four zero bits, then zeros to the byte boundary.
        stream.append(0, length: min(4, capacityBits - stream.count))
        stream.append(0, length: (8 - stream.count % 8) % 8)
        // Pad codewords alternate 11101100 and 00010001 until the capacity is full.
        var padding: [UInt8] = []
        while stream.count / 8 + padding.count < capacityBits / 8 {
            padding.append(padding.count % 2 == 0 ? 0xEC : 0x11)
        }
        return stream.bytes + padding
    }

    /// `data` split into the version's blocks, error correction added, interleaved.
    static func interleaved(_ data: [UInt8], version: Int, level: ErrorCorrectionLevel) -> [UInt8] {
        let blockCount = VersionTable.blocks(of: version, level)
        let correctionLength = VersionTable.errorCorrectionPerBlock(of: version, level)
        precondition(data.count == VersionTable.dataCodewords(of: version, level))
        // Short blocks first; the remaining ones hold one data codeword more.
        let shortLength = data.count / blockCount
        let longBlocks = data.count % blockCount
        var blocks: [[UInt8]] = []
        var start = 0
        for index in 0..<blockCount {
            let length = shortLength + (index >= blockCount - longBlocks ? 1 : 0)
            blocks.append(Array(data[start..<start + length]))
            start += length
        }
        let corrections = blocks.map { ReedSolomon.errorCorrection(for: $0, count: correctionLength) }
        var result: [UInt8] = []
        result.reserveCapacity(VersionTable.totalCodewords(of: version))
        for column in 0...shortLength {
            for block in blocks where column < block.count { result.append(block[column]) }
        }
        for column in 0..<correctionLength {
            for correction in corrections { result.append(correction[column]) }
        }
        return result
    }
}
