/// Turns the store's `?` placeholders into PostgreSQL's numbered ones, so one SQL text serves SQLite and PostgreSQL.
///
/// Only a `?` that PostgreSQL would read as SQL becomes `$1`, `$2`, ...: a question mark inside a string literal
/// (`'...'` with `''` escapes, or `E'...'` with backslash escapes too), a quoted identifier (`"..."`), a comment
/// (`-- ...` or nested `/* ... */`) or a dollar-quoted body (`$tag$ ... $tag$`) is text and stays as it is. The
/// price is that jsonb's `?`, `?|` and `?&` operators cannot be written; `jsonb_exists` and its siblings can.
enum Placeholders {
    /// `sql` with its placeholders numbered in order, and how many there are.
    static func numbered(_ sql: String) -> (sql: String, count: Int) {
        var scanner = Scanner(Array(sql.utf8))
        return scanner.run()
    }

    /// A single pass over the UTF-8 bytes; every delimiter it looks for is ASCII, so multi-byte characters are
    /// copied through untouched.
    private struct Scanner {
        let input: [UInt8]
        var position = 0
        var output: [UInt8] = []
        var count = 0

        init(_ input: [UInt8]) {
            self.input = input
            output.reserveCapacity(input.count + 8)
        }

        mutating func run() -> (sql: String, count: Int) {
            while position < input.count {
                let byte = input[position]
                switch byte {
                case UInt8(ascii: "?"):
                    count += 1
                    output.append(UInt8(ascii: "$"))
                    output.append(contentsOf: String(count).utf8)
                    position += 1
                case UInt8(ascii: "'"):
                    let escapes =
                        position > 0 && (input[position - 1] | 0x20) == UInt8(ascii: "e")
                        && !(position > 1 && Self.continuesIdentifier(input[position - 2]))
                    copyQuoted(UInt8(ascii: "'"), backslashEscapes: escapes)
                case UInt8(ascii: "\""):
                    copyQuoted(UInt8(ascii: "\""), backslashEscapes: false)
                case UInt8(ascii: "-") where peek(1) == UInt8(ascii: "-"):
                    copyLineComment()
                case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "*"):
                    copyBlockComment()
                case UInt8(ascii: "$"):
                    copyDollarQuotedOrSign()
                default:
                    output.append(byte)
                    position += 1
                }
            }
            return (String(decoding: output, as: UTF8.self), count)
        }

        private func peek(_ offset: Int) -> UInt8? {
            position + offset < input.count ? input[position + offset] : nil
        }

        /// Copies a literal or identifier up to its closing quote; a doubled quote is an escaped one.
        private mutating func copyQuoted(_ quote: UInt8, backslashEscapes: Bool) {
            output.append(quote)
            position += 1
            while position < input.count {
                let byte = input[position]
                output.append(byte)
                position += 1
                if backslashEscapes && byte == UInt8(ascii: "\\") && position < input.count {
                    output.append(input[position])
                    position += 1
                } else if byte == quote {
                    guard peek(0) == quote else { return }
                    output.append(quote)
                    position += 1
                }
            }
        }

        private mutating func copyLineComment() {
            while position < input.count && input[position] != UInt8(ascii: "\n") {
                output.append(input[position])
                position += 1
            }
        }

        /// Copies a block comment; PostgreSQL's nest, so `/* a /* b */ ? */` is one comment.
        private mutating func copyBlockComment() {
            var depth = 0
            while position < input.count {
                if input[position] == UInt8(ascii: "/") && peek(1) == UInt8(ascii: "*") {
                    depth += 1
                    output.append(contentsOf: input[position...position + 1])
                    position += 2
                } else if input[position] == UInt8(ascii: "*") && peek(1) == UInt8(ascii: "/") {
                    depth -= 1
                    output.append(contentsOf: input[position...position + 1])
                    position += 2
                    if depth == 0 { return }
                } else {
                    output.append(input[position])
                    position += 1
                }
            }
        }

        /// At a `$`: a dollar-quoted body when a `$tag$` opens one here, else just the sign (`$1`, or part of an
        /// identifier such as `a$b`).
        private mutating func copyDollarQuotedOrSign() {
            let startsHere = position == 0 || !Self.continuesIdentifier(input[position - 1])
            guard startsHere, let tagEnd = dollarTagEnd(from: position) else {
                output.append(input[position])
                position += 1
                return
            }
            let tag = input[position...tagEnd]
            output.append(contentsOf: tag)
            position = tagEnd + 1
            while position < input.count {
                if input[position] == UInt8(ascii: "$") && input[position...].starts(with: tag) {
                    output.append(contentsOf: tag)
                    position += tag.count
                    return
                }
                output.append(input[position])
                position += 1
            }
        }

        /// The index of the `$` closing a `$tag$` (or `$$`) that starts at `start`, or `nil` when none does.
        private func dollarTagEnd(from start: Int) -> Int? {
            var index = start + 1
            while index < input.count {
                let byte = input[index]
                if byte == UInt8(ascii: "$") { return index }
                let allowed = index == start + 1 ? Self.startsIdentifier(byte) : Self.continuesIdentifier(byte)
                guard allowed else { return nil }
                index += 1
            }
            return nil
        }

        private static func startsIdentifier(_ byte: UInt8) -> Bool {
            (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") || byte == UInt8(ascii: "_")
                || byte >= 0x80
        }

        private static func continuesIdentifier(_ byte: UInt8) -> Bool {
            startsIdentifier(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "$")
        }
    }
}
