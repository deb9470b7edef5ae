/// A harness failure with a message that says what the test was waiting for.
struct TestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
