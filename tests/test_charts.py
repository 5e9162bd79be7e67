"""Charts drawn on the server for the PDFs."""

from decimal import Decimal

from campaigns.charts import bar_chart


def test_a_bar_without_a_value_is_a_dash_not_none():
    svg = bar_chart(
        [("1月", Decimal("80.00")), ("2月", None)], title="调解成功率", max_value=100, suffix=" %"
    )

    assert "80.00 %" in svg
    assert "—<" in svg
    assert "None" not in svg
    assert svg.count("<rect") == 2
    assert 'width="0"' in svg  # the month without figures draws no bar


def test_a_negative_net_promoter_score_draws_no_bar_but_says_its_value():
    svg = bar_chart(
        [("1月", Decimal("-12.50")), ("2月", Decimal("40.00"))],
        title="净推荐值",
        max_value=100,
        suffix=" %",
    )

    assert "-12.50 %" in svg
    assert 'width="-' not in svg
