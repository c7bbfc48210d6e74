"""Trade and complexity indicators: pure functions over long pandas tables.

Each function documents its formula and source, and raises ValueError on input that
would otherwise give NaN.
"""

from observatory.indicators.complexity import ComplexityResult, complexity, proximity
from observatory.indicators.constant_market_share import (
    ConstantMarketShare,
    constant_market_share,
)
from observatory.indicators.trade_indices import (
    balassa_rca,
    cagr,
    concentration,
    equivalent_number,
    export_market_penetration,
    hhi,
    normalized_hhi,
    symmetric_rca,
    trade_balance_index,
    trade_complementarity,
    trade_intensity,
)

__all__ = [
    "ComplexityResult",
    "ConstantMarketShare",
    "balassa_rca",
    "cagr",
    "complexity",
    "concentration",
    "constant_market_share",
    "equivalent_number",
    "export_market_penetration",
    "hhi",
    "normalized_hhi",
    "proximity",
    "symmetric_rca",
    "trade_balance_index",
    "trade_complementarity",
    "trade_intensity",
]
