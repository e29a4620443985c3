"""Real-layout folders made from the phantoms, as each real download looks, and labs run on them."""
