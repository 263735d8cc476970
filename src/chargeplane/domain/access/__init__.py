"""Who may charge where: customer groups, access grants, and the driver's view of chargers."""
