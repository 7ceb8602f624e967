"""RFM scoring and the segment maps that name the score combinations."""
