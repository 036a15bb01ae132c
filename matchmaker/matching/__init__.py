"""The matching engine: profile texts, filters, hybrid scores, explanations. No request objects here."""
