import Testing

@testable import PostgreSQL

@Suite struct PlaceholdersTests {
    @Test func questionMarksAreNumberedInOrder() {
        let numbered = Placeholders.numbered("INSERT INTO item (a, b, c) VALUES (?, ?, ?)")
        #expect(numbered.sql == "INSERT INTO item (a, b, c) VALUES ($1, $2, $3)")
        #expect(numbered.count == 3)
    }

    @Test func statementWithoutPlaceholdersIsUnchanged() {
        let numbered = Placeholders.numbered("SELECT 1")
        #expect(numbered.sql == "SELECT 1")
        #expect(numbered.count == 0)
    }

    @Test func questionMarkInAStringLiteralIsText() {
        let numbered = Placeholders.numbered("SELECT 'why?', 'it''s ? here', ? FROM t WHERE a = ?")
        #expect(numbered.sql == "SELECT 'why?', 'it''s ? here', $1 FROM t WHERE a = $2")
        #expect(numbered.count == 2)
    }

    @Test func backslashEscapesOnlyCountInEscapeStrings() {
        // In E'...' a backslash escapes the quote; in a standard string it is just a backslash.
        #expect(Placeholders.numbered(#"SELECT E'a\'?', ?"#).sql == #"SELECT E'a\'?', $1"#)
        #expect(Placeholders.numbered(#"SELECT e'\\', ?"#).sql == #"SELECT e'\\', $1"#)
        #expect(Placeholders.numbered(#"SELECT 'a\', ?"#).sql == #"SELECT 'a\', $1"#)
        // A name ending in e before a quote is not an escape string's prefix.
        #expect(Placeholders.numbered(#"SELECT name'\', ?"#).sql == #"SELECT name'\', $1"#)
    }

    @Test func questionMarkInAQuotedIdentifierIsText() {
        let numbered = Placeholders.numbered(#"SELECT "odd?""name" FROM t WHERE x = ?"#)
        #expect(numbered.sql == #"SELECT "odd?""name" FROM t WHERE x = $1"#)
        #expect(numbered.count == 1)
    }

    @Test func questionMarkInCommentsIsText() {
        let sql = """
            SELECT ? -- why? because
            , /* is this ? /* nested ? */ still ? */ ?
            """
        let numbered = Placeholders.numbered(sql)
        #expect(
            numbered.sql == """
                SELECT $1 -- why? because
                , /* is this ? /* nested ? */ still ? */ $2
                """)
        #expect(numbered.count == 2)
    }

    @Test func questionMarkInDollarQuotingIsText() {
        let sql = "SELECT $$a ? b$$, $tag$ ? $$ ? $tag$, ?, $body$?$body$"
        let numbered = Placeholders.numbered(sql)
        #expect(numbered.sql == "SELECT $$a ? b$$, $tag$ ? $$ ? $tag$, $1, $body$?$body$")
        #expect(numbered.count == 1)
    }

    @Test func dollarSignsThatOpenNoQuoteAreKept() {
        // $1 is a positional parameter and a$b an identifier: neither opens a dollar-quoted body.
        let numbered = Placeholders.numbered("SELECT a$b$, ? FROM t WHERE x = ?")
        #expect(numbered.sql == "SELECT a$b$, $1 FROM t WHERE x = $2")
        #expect(numbered.count == 2)
    }

    @Test func nonASCIITextSurvives() {
        let numbered = Placeholders.numbered("SELECT 'café ?', ? AS \"naïve\" -- ça?")
        #expect(numbered.sql == "SELECT 'café ?', $1 AS \"naïve\" -- ça?")
    }

    @Test func unterminatedQuoteKeepsTheRestAsText() {
        // The server reports the syntax error; the translation must not invent placeholders inside it.
        let numbered = Placeholders.numbered("SELECT ?, 'open ?")
        #expect(numbered.sql == "SELECT $1, 'open ?")
        #expect(numbered.count == 1)
    }

    @Test func manyPlaceholdersGetMultiDigitNumbers() {
        let sql = "VALUES (" + Array(repeating: "?", count: 12).joined(separator: ",") + ")"
        let numbered = Placeholders.numbered(sql)
        #expect(numbered.sql.hasSuffix("$10,$11,$12)"))
        #expect(numbered.count == 12)
    }
}
