"""The order side of the window: sales orders, picking and packing, purchasing, finance, trace."""
