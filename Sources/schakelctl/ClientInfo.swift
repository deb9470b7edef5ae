/// What schakelctl says about itself (`--version`, HELLO's `client`).
enum ClientInfo {
    static let version = "0.1.0"
}
