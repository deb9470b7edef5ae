internal import CPostgreSQL
import Storage

/// Arguments in the form `PQexecPrepared` takes them: each value in PostgreSQL's binary format, typed by its
/// ``SQLValue`` case, so nothing is printed and parsed again (a double arrives bit for bit, a blob byte for byte).
///
/// `.integer` is `int8`, `.real` `float8`, `.text` `text` (UTF-8), `.blob` `bytea`, and `.null` has the unknown type
/// 0, which lets the server infer it from where the placeholder stands.
struct Parameters {
    /// The type of each argument, which the statement is prepared with.
    let types: [Oid]
    private let lengths: [Int32]
    private let offsets: [Int]
    private let isNull: [Bool]
    /// Every value's bytes, one after the other.
    private let bytes: [UInt8]

    init(_ arguments: [SQLValue]) {
        var types: [Oid] = []
        var lengths: [Int32] = []
        var offsets: [Int] = []
        var isNull: [Bool] = []
        var bytes: [UInt8] = []
        for argument in arguments {
            offsets.append(bytes.count)
            let start = bytes.count
            switch argument {
            case .null:
                types.append(TypeOID.unknown)
            case .integer(let integer):
                types.append(TypeOID.int8)
                withUnsafeBytes(of: integer.bigEndian) { bytes.append(contentsOf: $0) }
            case .real(let real):
                types.append(TypeOID.float8)
                withUnsafeBytes(of: real.bitPattern.bigEndian) { bytes.append(contentsOf: $0) }
            case .text(let text):
                types.append(TypeOID.text)
                bytes.append(contentsOf: text.utf8)
            case .blob(let data):
                types.append(TypeOID.bytea)
                bytes.append(contentsOf: data)
            }
            isNull.append(argument == .null)
            lengths.append(Int32(clamping: bytes.count - start))
        }
        // A zero-length value still needs a non-NULL pointer (NULL means SQL NULL), so the buffer is never empty.
        bytes.append(0)
        self.types = types
        self.lengths = lengths
        self.offsets = offsets
        self.isNull = isNull
        self.bytes = bytes
    }

    var count: Int32 { Int32(types.count) }

    /// Calls `body` with the values, lengths and formats arrays, valid only for the duration of the call.
    func withUnsafeArrays<T>(
        _ body: (
            _ values: UnsafePointer<UnsafePointer<CChar>?>?, _ lengths: UnsafePointer<Int32>?,
            _ formats: UnsafePointer<Int32>?
        ) throws -> T
    ) rethrows -> T {
        let formats = [Int32](repeating: 1, count: types.count)
        return try bytes.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!)
            let values: [UnsafePointer<CChar>?] = offsets.indices.map { index in
                isNull[index] ? nil : (base + offsets[index]).assumingMemoryBound(to: CChar.self)
            }
            return try values.withUnsafeBufferPointer { values in
                try lengths.withUnsafeBufferPointer { lengths in
                    try formats.withUnsafeBufferPointer { formats in
                        try body(values.baseAddress, lengths.baseAddress, formats.baseAddress)
                    }
                }
            }
        }
    }
}
