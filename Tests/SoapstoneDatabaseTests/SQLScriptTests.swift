import SoapstoneDatabase
import Testing

@Suite("SQL script splitting")
struct SQLScriptTests {
    @Test func splitsAtTopLevelSemicolons() {
        #expect(SQLScript("SELECT 1; SELECT 2;\n\nSELECT 3").statements == ["SELECT 1;", "SELECT 2;", "SELECT 3"])
    }

    @Test func keepsSemicolonsInsideStringsIdentifiersAndComments() {
        let script = """
            -- a comment; with a semicolon
            SELECT 'a;b', 'it''s;', E'x\\';y', "odd;name" FROM t; /* block; /* nested; */ still */ SELECT 2;
            """
        let statements = SQLScript(script).statements
        #expect(statements.count == 2)
        #expect(statements[0].hasSuffix("FROM t;"))
        #expect(statements[1].hasSuffix("SELECT 2;"))
    }

    @Test func keepsDollarQuotedBodiesWhole() {
        let script = """
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
            DO $body$ BEGIN PERFORM 1; PERFORM $$x;$$; END $body$;
            SELECT $1;
            """
        let statements = SQLScript(script).statements
        #expect(statements.count == 3)
        #expect(statements[1].hasPrefix("DO $body$") && statements[1].hasSuffix("END $body$;"))
    }

    @Test func dropsCommentOnlyRemainders() {
        #expect(SQLScript("SELECT 1;\n-- the end\n").statements == ["SELECT 1;"])
        #expect(SQLScript("  \n -- nothing\n").statements.isEmpty)
    }
}
