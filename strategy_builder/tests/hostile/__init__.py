"""The hostile-input corpus: inputs an attacker (or an unlucky spreadsheet) sends, and tests that each one
is refused with a clear 4xx, never a 5xx, a network or file access, a stuck worker or a row that cannot be
shown again. One module per attack surface (corpus_*.py holds the inputs, test_*.py attacks with them); add
to the corpus with every fix."""
